"""Department workflow: submissions checked on a private snapshot, reviewed, published exactly, withdrawn."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from metadata import history
from metadata.validate import SLUG, CatalogError, load, plain_file_name, source_path

from . import audit
from .config import Config
from .store import Store, now_iso, open_store

PREVIEW_ROWS = 10
MAX_FILES = 10                # dataset.yaml, its source file and the recognizer files it names
MAX_REASON = 1000
STATUS_NAMES = {"failed": "未通过检查", "pending": "待审核", "rejected": "已退回", "approved": "已批准",
                "published": "已发布"}
ACTION_NAMES = {
    "submit": "提交", "check_failed": "检查未通过", "approve": "批准", "reject": "退回",
    "publish_refused": "拒绝发布（内容与批准的不一致）", "install": "批准内容放入发布目录",
    "publish": "发布", "publish_failed": "发布失败", "withdraw": "撤回", "withdraw_applied": "撤回已生效",
    "withdraw_failed": "撤回后重新发布失败", "install_reverted": "未发布，发布目录已恢复原状",
}
RECORD_FILE = "dataset.yaml"
# Events that decide whether a dataset is withdrawn: the later of the two wins (an install undone
# because its publication was refused or failed does not count).
_WITHDRAWN_SQL = """
    select w.dataset, w.reason from workflow_events w
    where w.action = 'withdraw' and w.id = (
      select max(e.id) from workflow_events e where e.dataset = w.dataset and (e.action = 'withdraw' or (
        e.action = 'install' and not exists (select 1 from workflow_events r where r.action = 'install_reverted'
                                             and r.submission_id = e.submission_id and r.id > e.id))))
"""


class WorkflowError(Exception):
    """A workflow action was refused; `status` is the matching HTTP status, `fields` names bad inputs."""

    def __init__(self, message: str, status: int = 400, fields: dict | None = None):
        self.status, self.fields = status, fields or {}
        super().__init__(message)


@dataclass(frozen=True)
class Staff:
    account_id: int
    role: str                 # publisher | reviewer | operator
    department: str | None    # a publisher's one department
    name: str                 # masked name, the only form ever shown


def withdrawn_in(store: Store) -> dict[str, str]:
    """Datasets withdrawn and not restored since: identifier -> reason."""
    return {r["dataset"]: r["reason"] for r in store.all(_WITHDRAWN_SQL)}


def withdrawn(state_dir: Path) -> dict[str, str]:
    """The withdrawn datasets of a state directory (publish reads this so their data never returns)."""
    store = open_store(state_dir)
    try:
        return withdrawn_in(store)
    finally:
        store.close()


# ---- snapshots -------------------------------------------------------------------------------------

def content_hash(files: dict[str, bytes]) -> tuple[str, dict[str, str]]:
    """sha256 over the sorted {file name: sha256 of its bytes}: one hash for the whole submission."""
    sums = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    manifest = json.dumps(sums, sort_keys=True, ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(manifest).hexdigest(), sums


def _named_files(files: dict[str, bytes]) -> dict[str, str]:
    """The files dataset.yaml names, {name: role}: source.file, then its recognizer files (plain names only)."""
    raw = _raw(files)
    source = raw.get("source")
    recognizers = raw.get("recognizers")
    named = [(source.get("file") if isinstance(source, dict) else None, "source")]
    named += [(n, "recognizers") for n in (recognizers if isinstance(recognizers, list) else [recognizers])]
    out: dict[str, str] = {}
    for name, role in named:
        if isinstance(name, str) and plain_file_name(name):
            out.setdefault(name, role)
    return out


def reads(files: dict[str, bytes]) -> list[dict]:
    """The files publishing will read, in order: dataset.yaml, then those it names that were uploaded (only
    plain names count: a path fails the check and is read by nothing). The approval hash covers them all."""
    roles = {RECORD_FILE: "record", **_named_files(files)}
    return [{"name": n, "role": role, "size": len(files[n]), "sha256": hashlib.sha256(files[n]).hexdigest()}
            for n, role in roles.items() if n in files]


def folder_files(folder: Path) -> dict[str, bytes]:
    """The regular files directly inside a snapshot folder."""
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir()) if p.is_file()}


def files_from_folder(folder: Path) -> dict[str, bytes]:
    """What `portal submit DIR` uploads: dataset.yaml and the files it names (nothing else)."""
    folder = Path(folder)
    yml = folder / "dataset.yaml"
    if not yml.is_file():
        raise WorkflowError(f"{folder}: 没有 dataset.yaml (no dataset.yaml in this folder)", 400)
    files = {"dataset.yaml": yml.read_bytes()}
    for name in _named_files(files):
        if (folder / name).is_file():
            files[name] = (folder / name).read_bytes()
    return files


def _safe_name(name: str) -> bool:
    return bool(name) and len(name) <= 200 and "/" not in name and "\\" not in name and "\x00" not in name \
        and not name.startswith(".")


def _check_names(files: dict[str, bytes]) -> None:
    bad = [n for n in files if not _safe_name(n)]
    if bad or "dataset.yaml" not in files or len(files) > MAX_FILES:
        raise WorkflowError("须上传 dataset.yaml、源文件及其指定的识别器文件，文件名不含路径 (upload dataset.yaml, "
                            "its source file and recognizer files, plain file names)", 400,
                            {"files": f"dataset.yaml + source file + recognizer files, at most {MAX_FILES}"})


def _read_or_empty(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _raw(files: dict[str, bytes]) -> dict:
    try:
        raw = yaml.safe_load(files.get("dataset.yaml", b"").decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _raw_identity(files: dict[str, bytes]) -> tuple[str | None, str | None]:
    """(identifier, department name) as written, for a record that does not validate."""
    raw = _raw(files)
    ident = raw.get("identifier") if isinstance(raw.get("identifier"), str) else None
    dept = raw.get("department")
    dept = dept.get("name") if isinstance(dept, dict) else dept
    return (ident if ident and SLUG.match(ident) else None), (dept if isinstance(dept, str) else None)


# ---- the pipeline, without publishing ---------------------------------------------------------------

def check(folder: Path, key: bytes, state_dir: Path | None = None, recognizers: list = ()):
    """Validation, desensitization, residual scan and preview of a snapshot: (record or None, result).
    `recognizers`: the portal's [anonymize] recognizer files, as publishing uses them."""
    from anonymize.operators import PolicyError
    from anonymize.policy import ResidualError
    from anonymize.read import InputError
    from .publish import PublishError
    from .tables import RowProblem
    result = {"problems": [], "warnings": [], "report": None, "report_text": None, "rows": None,
              "output_hash": None, "preview": None, "residual_scan": "not run", "note": None}
    try:
        record, warnings = load(folder)
    except CatalogError as e:
        result["problems"] = [{"field": p, "message": m} for _, p, m in e.problems]
        return None, result
    result["warnings"] = [{"field": p, "message": m} for p, m in warnings]
    if not record.publishes_data:
        result["note"] = "不予开放：仅列入目录，不发布数据 (catalogue entry only: no data is published)"
        return record, result
    try:
        _scan(folder, record, key, result, state_dir, recognizers)
        result["residual_scan"] = "passed"
    except ResidualError as e:
        result["residual_scan"] = "failed"
        result["problems"].append({"field": "source", "kind": "residual", "message": str(e)})
    except InputError as e:  # the file's name, never the snapshot's path on the server
        where = f" 第{e.row}行 (row {e.row})" if e.row else ""
        result["problems"].append({"field": "source", "kind": "InputError",
                                   "message": f"{record.source.file}{where}: {e.problem}"})
    except (PolicyError, RowProblem, PublishError) as e:
        result["problems"].append({"field": "source", "kind": type(e).__name__, "message": str(e)})
    return record, result


def _scan(folder: Path, record, key: bytes, result: dict, state_dir: Path | None = None,
          recognizers: list = ()) -> None:
    """Run every row through the publication rules; keep the report, a preview and the output hash."""
    from .publish import _detector  # the very recognizers publishing will use, so the hashes can agree
    from anonymize.policy import desensitize
    from anonymize.read import open_table
    from .tables import Typed  # the exact typing and hash of publication
    table = open_table(source_path(folder, record.source.file), record.source.encoding, record.source.sheet)
    from anonymize.kanon import apply
    # Deferred k-anonymity, as publish runs it, so that the hash is the one publishing will record.
    header, rows, report = desensitize(table.header, table.rows, record, key, record.identifier, state_dir,
                                       detector=_detector(recognizers, folder, record), defer_k=True,
                                       row_of=table.notes.source_row)
    typed, preview = Typed([record.column(h) for h in header], record.source.file, table.notes.source_row), []
    try:
        for n, row in enumerate(rows, start=2):
            typed.row(n, row)
            if len(preview) < PREVIEW_ROWS:
                preview.append(list(row))
    finally:  # a failing row still leaves the report of the rows before it
        result.update(report={**report.as_dict(), "read": table.notes.as_dict()}, rows=report.rows,
                      report_text="\n".join([report.as_text(), *table.notes.as_text()]))  # rows skipped, ...
    k = report.k_anonymity
    if k is not None:
        qi = [header.index(c) for c in k.columns]
        preview = [apply(row, qi, k.decision) for row in preview]
    typed.fold_k(k)
    result.update(output_hash=typed.content_hash, preview={"columns": header, "rows": preview})


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _reason(reason, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise WorkflowError("须说明理由 (a reason is required)", 400, {"reason": "required"})
        return None
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise WorkflowError(f"理由须为不超过{MAX_REASON}字的文本 (reason: text)", 400, {"reason": "text"})
    return reason.strip()


@dataclass(frozen=True)
class Channel:
    """How an action arrived, for the audit log: the CLI, or an HTTP request with its key and address."""
    method: str = "CLI"
    client_ip: str | None = None
    key_prefix: str | None = None


# ---- the workflow -----------------------------------------------------------------------------------

class Workflow:
    """Submissions, reviews, publication and withdrawal over the state store; every step is an event."""

    def __init__(self, cfg: Config, store: Store, audit_key: bytes | None = None, site: bool = True):
        self.cfg, self.store, self.site = cfg, store, site
        self.audit_key = audit_key if audit_key is not None else cfg.secret("audit")
        self.root = Path(cfg.state_dir) / "submissions"

    def staff(self, account_id: int) -> Staff:
        row = self.store.one("select kind, role, status, department, name_masked from accounts where id = ?",
                             (account_id,))
        if row is None or row["kind"] != "staff" or row["status"] != "active":
            raise WorkflowError("仅限在职工作人员账户 (active staff accounts only)", 403)
        return Staff(account_id, row["role"], row["department"], row["name_masked"])

    # -- submit ---------------------------------------------------------------------------------------

    def submit(self, who: Staff, files: dict[str, bytes]) -> dict:
        """Snapshot the files, run the pipeline on the snapshot, record the submission; nothing is public."""
        if who.role != "publisher":
            raise WorkflowError("只有部门发布人员可以提交数据集 (only department publishers submit)", 403)
        _check_names(files)
        ident, dept = _raw_identity(files)
        self._may_submit(who, ident, dept)  # cheap refusal before the pipeline runs
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=self.root))
        try:
            folder = incoming / (ident or "dataset")
            folder.mkdir()
            for name, data in files.items():
                _write_private(folder / name, data)
            record, result = check(folder, self.cfg.secret("pseudonym"), self.cfg.state_dir,
                                   self.cfg.anonymize.recognizers)
            result["reads"] = reads(files)
            if record is not None:
                ident, dept = record.identifier, record.department.name
            self._may_submit(who, ident, dept)
            return self._record_submission(who, ident, files, record, result, incoming)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def _may_submit(self, who: Staff, ident: str | None, dept: str | None) -> None:
        if dept is not None and dept != who.department:
            raise WorkflowError(f"只能提交本部门（{who.department}）的数据集 (publishers submit their own "
                                "department's datasets only)", 403)
        entry = self._served().get(ident) if ident else None
        owner = entry["department"] if entry is not None else self._owner_on_disk(ident) if ident else None
        if owner is not None and owner != who.department:
            raise WorkflowError("该数据集由其他部门发布 (this dataset belongs to another department)", 403)

    def _owner_on_disk(self, ident: str) -> str | None:
        """The department of datasets/<ident>/ not yet served (approval would replace that folder)."""
        raw = _raw({"dataset.yaml": _read_or_empty(Path(self.cfg.datasets_dir) / ident / "dataset.yaml")})
        dept = raw.get("department")
        return dept.get("name") if isinstance(dept, dict) and isinstance(dept.get("name"), str) else None

    def _record_submission(self, who, ident, files, record, result, incoming: Path) -> dict:
        from .publish import record_json
        chash, sums = content_hash(files)
        status = "failed" if result["problems"] else "pending"
        with self.store.tx() as c:
            sid = c.execute(
                "insert into submissions (dataset, department, submitter_id, content_hash, files, record, result,"
                " status, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ident, who.department, who.account_id, chash, json.dumps(sums), json.dumps(
                    record_json(record), ensure_ascii=False) if record else None,
                 json.dumps(result, ensure_ascii=False), status, now_iso())).lastrowid
            self._event(c, "submit", who, ident, sid, None, {"content_hash": chash, "files": sums})
            audit.with_change(c, 201, ident)   # the request's audit entry commits with the submission
            if status == "failed":
                self._event(c, "check_failed", None, ident, sid, None, {
                    "problems": len(result["problems"]), "residual_scan": result["residual_scan"]})
            target = self.root / str(sid)
            shutil.rmtree(target, ignore_errors=True)  # left by a rolled-back attempt: no row points at it
            os.rename(incoming, target)  # last step: if it fails the row is rolled back
        return self.view(who, sid)

    # -- read ---------------------------------------------------------------------------------------------

    def list(self, who: Staff, status: str | None = None) -> list[dict]:
        """Submissions, newest first: all for reviewers and operators, their department's for publishers."""
        if status is not None and status not in STATUS_NAMES:
            raise WorkflowError("状态无效 (bad status)", 400, {"status": "/".join(STATUS_NAMES)})
        where, params = ["1"], []
        if status:
            where.append("s.status = ?")
            params.append(status)
        if who.role == "publisher":
            where.append("s.department = ?")
            params.append(who.department)
        rows = self.store.all(f"select s.*, a.name_masked from submissions s left join accounts a on"
                              f" a.id = s.submitter_id where {' and '.join(where)} order by s.id desc", params)
        return [_summary(r) for r in rows]

    def view(self, who: Staff, sid: int) -> dict:
        """One submission with its report, preview, diff against the published version and its events."""
        sub = self._get(sid)
        if who.role == "publisher" and who.department != sub["department"]:
            raise WorkflowError("只能查看本部门的提交 (own department's submissions only)", 403)
        result = json.loads(sub["result"])
        return {**_summary(sub), **{k: result.get(k) for k in (
            "problems", "warnings", "residual_scan", "report", "report_text", "rows", "output_hash", "preview",
            "note", "reads")}, "approvable": sub["status"] == "pending", "diff": self._diff(sub, result),
            "events": [_event_view(e, True) for e in self.store.all(
                "select e.*, a.name_masked from workflow_events e left join accounts a on a.id = e.actor_id"
                " where e.submission_id = ? order by e.id", (sid,))]}

    def _diff(self, sub, result: dict) -> dict:
        entry = self._served().get(sub["dataset"]) if sub["dataset"] else None
        new = json.loads(sub["record"]) if sub["record"] else None
        changes = history.diff(entry["record"] if entry else None, new) if new else []
        return {"published": entry is not None and bool(entry.get("database")),
                "in_catalogue": entry is not None, "withdrawn": bool(entry and entry.get("withdrawn")),
                "record_changes": [{"field": c.field, "old": c.old, "new": c.new} for c in changes],
                "rows": {"published": entry["row_count"] if entry else None, "submitted": result.get("rows")},
                "content_hash": {"published": entry["content_hash"] if entry else None,
                                 "submitted": result.get("output_hash")},
                "data_changed": (entry["content_hash"] if entry else None) != result.get("output_hash")}

    def history(self, dataset: str, who: Staff | None = None, full: bool = False) -> dict:
        """Every event of a dataset, oldest first. Anyone sees what was published and withdrawn; events of
        submissions never published (and check details) only reviewers, operators and the submitting
        department (`full`: everything, for the command line and a reviewer's own withdrawal)."""
        rows = self.store.all("select e.*, a.name_masked, s.status as sub_status, s.department as sub_department"
                              " from workflow_events e left join accounts a on a.id = e.actor_id left join"
                              " submissions s on s.id = e.submission_id where e.dataset = ? order by e.id", (dataset,))
        everything = full or (who is not None and who.role in ("reviewer", "operator"))

        def own(r) -> bool:
            return everything or (who is not None and r["sub_department"] is not None
                                  and r["sub_department"] == who.department)
        shown = [r for r in rows if own(r) or r["submission_id"] is None or r["sub_status"] == "published"]
        entry = self._served().get(dataset)
        if not shown and entry is None:
            raise WorkflowError("没有这个数据集 (no such dataset)", 404)
        reason = withdrawn_in(self.store).get(dataset)
        return {"dataset": dataset, "title": entry["title"] if entry else None,
                "published": bool(entry and entry.get("database")), "withdrawn": reason is not None,
                "withdrawn_reason": reason, "events": [_event_view(r, own(r)) for r in shown]}

    # -- review -------------------------------------------------------------------------------------------

    def approve(self, who: Staff, sid: int, reason: str | None = None, publish: bool = True,
                via: Channel = Channel()) -> dict:
        """Approve the exact content hash submitted (not a failed check, not one's own), then publish it."""
        reason = _reason(reason, required=False)
        sub = self._get(sid)
        self._may_decide(who, sub)
        if sub["status"] == "failed":
            raise WorkflowError("检查未通过（发现残留个人信息或目录错误）的提交不能批准 (a submission that failed "
                                "its checks cannot be approved)", 409)
        if sub["status"] != "pending":
            raise WorkflowError(f"该提交{STATUS_NAMES[sub['status']]}，不能批准 (not pending)", 409)
        if content_hash(folder_files(self._snapshot(sub)))[0] != sub["content_hash"]:
            self._refuse(who, via, sub, {"content_hash": sub["content_hash"]},
                         "快照已被改动，不能批准 (the stored snapshot changed: refused)")
        with self.store.tx() as c:
            n = c.execute("update submissions set status = 'approved', approved_hash = content_hash,"
                          " approved_by = ?, approved_at = ? where id = ? and status = 'pending'",
                          (who.account_id, now_iso(), sid)).rowcount
            if n != 1:
                raise WorkflowError("该提交已被处理 (already decided)", 409)
            self._event(c, "approve", who, sub["dataset"], sid, reason, {"content_hash": sub["content_hash"]})
            self._audit(c, who, via, f"workflow/approve/{sid}", sub["dataset"])
        return self.publish(who, sid, via) if publish else self.view(who, sid)

    def reject(self, who: Staff, sid: int, reason: str, via: Channel = Channel()) -> dict:
        reason = _reason(reason, required=True)
        sub = self._get(sid)
        self._may_decide(who, sub)
        with self.store.tx() as c:
            n = c.execute("update submissions set status = 'rejected' where id = ? and status in"
                          " ('pending', 'failed')", (sid,)).rowcount
            if n != 1:
                raise WorkflowError(f"该提交{STATUS_NAMES[sub['status']]}，不能退回 (not pending)", 409)
            self._event(c, "reject", who, sub["dataset"], sid, reason, None)
            audit.with_change(c, 200, sub["dataset"])
        return self.view(who, sid)

    def _may_decide(self, who: Staff, sub) -> None:
        if who.account_id == sub["submitter_id"]:
            raise WorkflowError("不能审核自己的提交 (you cannot review your own submission)", 403)
        if who.role == "publisher" and who.department == sub["department"]:
            raise WorkflowError("同一部门的发布人员不能审核本部门的提交 (a publisher of the same department "
                                "cannot approve)", 403)
        if who.role != "reviewer":
            raise WorkflowError("只有审核人员可以审核 (reviewers only)", 403)

    # -- publish ------------------------------------------------------------------------------------------

    def publish(self, who: Staff, sid: int, via: Channel = Channel()) -> dict:
        """Publish exactly the approved snapshot (checked by hash on a private copy), then rebuild the site."""
        if who.role != "reviewer":
            raise WorkflowError("只有审核人员可以发布 (reviewers only)", 403)
        with self._lock():
            sub = self._get(sid)
            if sub["status"] != "approved":
                raise WorkflowError(f"该提交{STATUS_NAMES[sub['status']]}，只有已批准的提交可以发布 "
                                    "(only an approved submission can be published)", 409)
            if self.store.one("select 1 from submissions where dataset = ? and status = 'published' and id > ?",
                              (sub["dataset"], sid)):
                raise WorkflowError("该数据集已发布了更新的提交 (a later submission is already published)", 409)
            if self._withdrawn_since_approval(sub):
                raise WorkflowError("批准后该数据集被撤回，须重新提交审核 (withdrawn after this approval: submit "
                                    "again for a new review)", 409)
            work = Path(tempfile.mkdtemp(prefix=".publish-", dir=self.root))
            try:
                self._publish_copy(who, sub, work, via)
            finally:
                shutil.rmtree(work, ignore_errors=True)
        return self.view(who, sid)

    def _publish_copy(self, who: Staff, sub, work: Path, via: Channel) -> None:
        from .publish import PublishError, publish
        from .state import read_catalog
        slug, sid = sub["dataset"], sub["id"]
        folder = work / slug
        shutil.copytree(self._snapshot(sub), folder)
        # The copy is what gets built: a change to the snapshot after this check cannot reach the release.
        # Publishing reads dataset.yaml and the source file inside this folder only (metadata.source_path),
        # so the approved hash covers every byte it reads.
        if not _only_files(folder) or content_hash(folder_files(folder))[0] != sub["approved_hash"]:
            self._refuse(who, via, sub, {"approved_hash": sub["approved_hash"]},
                         "存储的内容与批准的内容不一致，拒绝发布 (content no longer matches the approved hash: refused)")
        checked = json.loads(sub["result"]).get("output_hash")
        previous = self._install(folder, slug, work / ".replaced")
        self._record("install", who, slug, sid, None, {"content_hash": sub["approved_hash"]})
        started = time.monotonic()
        try:
            # expect: the release is refused before it is served unless its data is the data reviewed.
            release = publish(replace(self.cfg, datasets_dir=work), only=[slug], expect={slug: checked})
        except PublishError as e:
            self._uninstall(who, sub, previous)
            if e.kind == "unexpected_output":
                self._refuse(who, via, sub, {"approved_hash": sub["approved_hash"], "checked_output": checked},
                             "发布的数据与审核时预览的数据不一致，拒绝发布，请重新提交 (the data built differs from "
                             "the data reviewed: refused; submit again)")
            self._failed(who, sub, e)
        except Exception as e:  # domain errors name file, row and column, never a value
            self._uninstall(who, sub, previous)
            self._failed(who, sub, e)
        published = read_catalog(release / "data.db").get(slug, {}).get("content_hash")
        detail = {"release": release.name, "content_hash": sub["approved_hash"], "published_data_hash": published,
                  "matches_checked_output": published == checked, "seconds": round(time.monotonic() - started, 1),
                  "site": self._build_site()}
        with self.store.tx() as c:
            c.execute("update submissions set status = 'published' where id = ?", (sid,))
            self._event(c, "publish", who, slug, sid, None, detail)
            self._audit(c, who, via, f"workflow/publish/{sid}", slug)

    def _refuse(self, who: Staff, via: Channel, sub, detail: dict, message: str):
        """Record the refusal as an event and in the audit log, together; then raise it (409)."""
        with self.store.tx() as c:
            self._event(c, "publish_refused", who, sub["dataset"], sub["id"], None, detail)
            self._audit(c, who, via, f"workflow/publish_refused/{sub['id']}", sub["dataset"], 409)
        raise WorkflowError(message, 409)

    def _failed(self, who: Staff, sub, e: Exception):
        self._record("publish_failed", who, sub["dataset"], sub["id"], None, {"error": type(e).__name__})
        raise WorkflowError(f"发布失败 (publishing failed): {type(e).__name__}: {e}", 409) from None

    def _withdrawn_since_approval(self, sub) -> bool:
        row = self.store.one(
            "select (select max(id) from workflow_events where dataset = ? and action = 'withdraw') >"
            " (select max(id) from workflow_events where submission_id = ? and action = 'approve')",
            (sub["dataset"], sub["id"]))
        return bool(row[0])

    def _install(self, folder: Path, slug: str, keep: Path) -> Path | None:
        """Put the approved folder into datasets/<slug>/ (so a later full build publishes the same); the
        folder it replaces is moved to `keep` (returned, None if there was none) until the release is served."""
        dest = Path(self.cfg.datasets_dir) / slug
        tmp = dest.with_name(f".{slug}.incoming-{os.getpid()}")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(folder, tmp)
            if dest.exists():
                shutil.move(str(dest), str(keep))  # out of datasets/: load_all never sees a stray copy
            try:
                os.rename(tmp, dest)
            except OSError:
                if keep.exists():
                    shutil.move(str(keep), str(dest))
                raise
            return keep if keep.exists() else None
        finally:  # never leave a stray folder where load_all looks for datasets
            shutil.rmtree(tmp, ignore_errors=True)

    def _uninstall(self, who: Staff, sub, previous: Path | None) -> None:
        """Publication refused or failed: datasets/<slug>/ is what it was before, and the install (which lifts
        a withdrawal) no longer counts, so a later full build cannot publish what was not published."""
        dest = Path(self.cfg.datasets_dir) / sub["dataset"]
        shutil.rmtree(dest, ignore_errors=True)
        if previous is not None:
            shutil.move(str(previous), str(dest))
        self._record("install_reverted", who, sub["dataset"], sub["id"], None, None)

    # -- withdraw -----------------------------------------------------------------------------------------

    def withdraw(self, who: Staff, dataset: str, reason: str, via: Channel = Channel()) -> dict:
        """Record the withdrawal (audited), republish without the dataset's data and rebuild the site."""
        from .publish import publish
        if who.role != "reviewer":
            raise WorkflowError("只有审核人员可以撤回数据集 (reviewers only)", 403)
        reason = _reason(reason, required=True)
        with self._lock():
            entry = self._served().get(dataset)
            if entry is None:
                raise WorkflowError("目录中没有这个数据集 (no such dataset in the catalogue)", 404)
            if dataset in withdrawn_in(self.store):
                raise WorkflowError("该数据集已撤回 (already withdrawn)", 409)
            with self.store.tx() as c:
                self._event(c, "withdraw", who, dataset, None, reason, {"content_hash": entry["content_hash"]})
                self._audit(c, who, via, f"workflow/withdraw/{dataset}", dataset)
            started = time.monotonic()
            try:
                release = publish(self.cfg, only=[])  # everything carried over except this dataset's data
            except Exception as e:
                self._record("withdraw_failed", who, dataset, None, None, {"error": type(e).__name__})
                raise WorkflowError(f"撤回已记录，但重新发布失败 (withdrawal recorded, republishing failed): "
                                    f"{type(e).__name__}", 409) from None
            detail = {"release": release.name, "seconds": round(time.monotonic() - started, 1),
                      "site": self._build_site()}
            self._record("withdraw_applied", who, dataset, None, None, detail)
        return {**self.history(dataset, full=True), **detail}

    # -- helpers ------------------------------------------------------------------------------------------

    def _get(self, sid: int):
        row = self.store.one("select s.*, a.name_masked from submissions s left join accounts a on"
                             " a.id = s.submitter_id where s.id = ?", (sid,))
        if row is None:
            raise WorkflowError("没有这个提交 (no such submission)", 404)
        return row

    def _snapshot(self, sub) -> Path:
        return self.root / str(sub["id"]) / (sub["dataset"] or "dataset")

    def _served(self) -> dict[str, dict]:
        from .state import read_catalog
        db = self.cfg.current / "data.db"
        return read_catalog(db) if db.exists() else {}

    def _event(self, c, action: str, who: Staff | None, dataset, sid, reason, detail) -> None:
        c.execute("insert into workflow_events (dataset, submission_id, at, actor_id, actor_role, action, reason,"
                  " detail) values (?, ?, ?, ?, ?, ?, ?, ?)",
                  (dataset, sid, now_iso(), who.account_id if who else None, who.role if who else "system",
                   action, reason, json.dumps(detail, ensure_ascii=False) if detail is not None else None))

    def _record(self, action: str, who, dataset, sid, reason, detail) -> None:
        with self.store.tx() as c:
            self._event(c, action, who, dataset, sid, reason, detail)

    def _audit(self, c, who: Staff, via: Channel, path: str, dataset, status: int = 200) -> None:
        pending = audit.PENDING.get()
        if via.method == "CLI" and pending is not None:   # `--as`: the proven key and the OS user (portal/acting.py)
            via = Channel("CLI", pending.entry.client_ip, pending.entry.key_prefix)
        audit.append(c, self.audit_key, audit.Entry(who.account_id, via.key_prefix, via.client_ip, via.method,
                                                    path, dataset, 0, status))

    @contextmanager
    def _lock(self):
        """One publication at a time across processes (server and CLI): each builds on the served release."""
        Path(self.cfg.state_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(Path(self.cfg.state_dir) / "workflow.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _build_site(self) -> str:
        if not self.site:
            return "skipped"
        from .site_build import build_site
        try:
            build_site(self.cfg)
            return "built"
        except Exception as e:  # the data release stands; the site is rebuilt by the next publication
            return f"failed: {type(e).__name__}"


def _only_files(folder: Path) -> bool:
    """A snapshot holds regular files only: no link, no subfolder that publishing could be pointed at."""
    return all(p.is_file() and not p.is_symlink() for p in Path(folder).iterdir())


def _summary(sub) -> dict:
    return {"id": sub["id"], "dataset": sub["dataset"], "department": sub["department"], "status": sub["status"],
            "status_name": STATUS_NAMES[sub["status"]], "submitter": {"id": sub["submitter_id"],
                                                                      "name": sub["name_masked"]},
            "created_at": sub["created_at"], "content_hash": sub["content_hash"], "files": json.loads(sub["files"]),
            "approval": {"by": sub["approved_by"], "at": sub["approved_at"], "content_hash": sub["approved_hash"]}
            if sub["approved_hash"] else None}


PUBLIC_DETAIL = ("content_hash", "approved_hash", "published_data_hash", "release", "seconds")


def _event_view(e, staff: bool) -> dict:
    detail = json.loads(e["detail"]) if e["detail"] else {}
    if not staff:
        detail = {k: v for k, v in detail.items() if k in PUBLIC_DETAIL}
    return {"at": e["at"], "action": e["action"], "action_name": ACTION_NAMES.get(e["action"], e["action"]),
            "actor": {"role": e["actor_role"], "name": e["name_masked"]}, "reason": e["reason"],
            "submission": e["submission_id"], "detail": detail}
