"""portal.tables: the published form of a desensitized stream. k-anonymity applied to the written table
after the stream (desensitize(defer_k=True)) gives exactly the rows that holding the stream back gives."""
import sqlite3

import pytest
import sqlite_utils

from anonymize.policy import desensitize
from metadata.schema import Column, Rule
from portal import search, tables
from test_policy import KEY, record

HEADER = ["编号", "区县", "年龄", "备注"]


def _columns(search_qi=False):
    return (Column(name="编号", type="integer", description="编号"),
            Column(name="区县", type="text", description="区县", quasi_identifier=True, search=search_qi),
            Column(name="年龄", type="text", description="年龄", quasi_identifier=True,
                   rule=Rule("generalize", {"kind": "age_band"})),
            Column(name="备注", type="text", description="备注", search=True))


def _rows():
    rows = [[str(i), "鹿城区", "30", f"普通记录{i}"] for i in range(12)]       # a big class
    rows += [[str(100 + i), "龙湾区", str(31 + i % 3), "龙湾记录"] for i in range(6)]  # small, generalizable
    rows += [["200", "洞头区", "77", "海岛记录"], ["201", "洞头区", "78", "海岛记录"]]  # cannot reach k
    return rows


@pytest.mark.parametrize("search_qi", [False, True], ids=["qi-not-searchable", "qi-searchable"])
def test_deferred_k_anonymity_equals_holding_the_stream_back(tmp_path, search_qi):
    rec = record(*_columns(search_qi), k=5)
    _, held, held_report = desensitize(HEADER, iter(_rows()), rec, KEY, "t")
    held = list(held)
    out_header, deferred, report = desensitize(HEADER, iter(_rows()), rec, KEY, "t", defer_k=True)
    db = sqlite_utils.Database(tmp_path / "t.db")
    cols = [rec.column(h) for h in out_header]
    search_cols = [c.name for c in cols if c.search]
    count, digest = tables.write(db, "t", cols, deferred, "t.csv", search_cols, report.k_anonymity)

    expected = [tables.Typed(cols, "t.csv").row(n, r) for n, r in enumerate(held, 2)]
    got = [list(r) for r in sqlite3.connect(tmp_path / "t.db").execute("select * from t order by rowid")]
    assert count == len(held) and got == expected
    assert report.as_dict() == held_report.as_dict()
    k = report.k_anonymity
    assert k.rows_suppressed >= 2 and k.rows_suppressed + k.rows_generalized < len(held)
    assert "洞头区" not in {r[1] for r in got}                      # the class below k is gone ...
    hits = db.execute("select rowid from t_fts where t_fts match ?", [search.fts5_match("洞头")]).fetchall()
    assert hits == []                                               # ... from the full-text index too
    assert db.execute("select count(*) from t_fts where t_fts match ?", [search.fts5_match("海岛")]).fetchone()[0] == 2

    # The workflow's pre-check hashes the same deferred stream the same way: the hashes agree.
    _, again, report2 = desensitize(HEADER, iter(_rows()), rec, KEY, "t", defer_k=True)
    typed = tables.Typed(cols, "t.csv")
    for n, r in enumerate(again, 2):
        typed.row(n, r)
    typed.fold_k(report2.k_anonymity)
    assert typed.content_hash == digest


def test_a_class_whose_typed_rows_cannot_be_found_is_never_published(tmp_path):
    """If the stored values of a small class do not match its key, publication fails instead of leaking."""
    rec = record(*_columns(), k=5)
    out_header, rows, report = desensitize(HEADER, iter(_rows()), rec, KEY, "t", defer_k=True)
    cols = [rec.column(h) for h in out_header]
    rows = list(rows)
    report.k_anonymity.sizes = {key: n + 1 for key, n in report.k_anonymity.sizes.items()}  # one row too many
    with pytest.raises(tables.RowProblem, match="k-anonymity"):
        tables.write(sqlite_utils.Database(tmp_path / "t.db"), "t", cols, iter(rows), "t.csv", (), report.k_anonymity)
