"""The typed catalogue record (数据资源目录条目) and its controlled vocabularies."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Controlled vocabularies: the Chinese term is canonical (it is what dataset.yaml holds and the site
# shows); the code is stable so exports (CKAN, DCAT, data.json) map cleanly. Never renumber a code.
SHARE_TYPES = {"无条件共享": "unconditional", "有条件共享": "conditional", "不予共享": "not_shared"}
SHARE_METHODS = {"比对验证": "verification", "查询引用": "query", "批量复制": "bulk_copy"}
OPEN_TYPES = {"无条件开放": "open", "依申请开放": "on_request", "不予开放": "not_open"}
SECURITY_LEVELS = {"一般": "general", "敏感": "sensitive", "重要": "important"}
FORMATS = {"CSV": "csv", "XLSX": "xlsx"}
# Update frequency -> (code, maximum age in days before the dataset counts as overdue; None = never).
UPDATE_FREQUENCIES = {
    "实时": ("realtime", 2), "每日": ("daily", 2), "每周": ("weekly", 8), "每月": ("monthly", 32),
    "每季度": ("quarterly", 93), "每半年": ("semiannual", 184), "每年": ("annual", 366),
    "不定期": ("irregular", None),
}
THEMES = {
    "经济建设": "economy", "城乡建设": "urban", "社会民生": "livelihood", "生态环境": "environment",
    "交通出行": "transport", "教育科技": "education", "医疗卫生": "health", "文化休闲": "culture",
    "市场监管": "market", "信用服务": "credit", "公共安全": "safety", "资源能源": "energy",
    "机构团体": "organisations", "财税金融": "finance",
}
LICENCES = {
    "CC-BY-4.0": ("知识共享署名 4.0 国际", "https://creativecommons.org/licenses/by/4.0/"),
    "CC0-1.0": ("知识共享 CC0 1.0 公共领域贡献", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-BY-1.0": ("开放数据共享署名许可 1.0", "https://opendatacommons.org/licenses/by/1-0/"),
}
COLUMN_TYPES = ("text", "integer", "number", "date", "datetime", "boolean")
# What personal information a column holds -> the detector entity it corresponds to.
PERSONAL_KINDS = {
    "姓名": "PERSON", "身份证号": "CN_RESIDENT_ID", "手机号码": "CN_MOBILE", "固定电话": "CN_LANDLINE",
    "银行卡号": "BANK_CARD", "电子邮箱": "EMAIL", "护照号": "CN_PASSPORT", "港澳台通行证": "CN_HMT_PERMIT",
    "车牌号": "CN_LICENSE_PLATE", "住址": "CN_ADDRESS", "出生日期": "DATE_OF_BIRTH", "年龄": "AGE",
    "个人编号": "CN_PERSONAL_NUMBER",
    "其他": "OTHER",
}
RULE_OPS = ("keep", "drop", "mask", "pseudonymize", "generalize")
# Open types whose data may not be served to everyone, and share types that need a legal basis.
NEEDS_LEGAL_BASIS_OPEN = ("依申请开放", "不予开放")
NEEDS_LEGAL_BASIS_SHARE = ("有条件共享", "不予共享")


@dataclass(frozen=True)
class Rule:
    """What is done to a column before publication: an operator name and its parameters."""
    op: str = "keep"
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str | None = None
    personal: str | None = None          # a PERSONAL_KINDS key, or None
    rule: Rule = Rule()
    facet: bool = False
    search: bool = False
    free_text: bool = False
    quasi_identifier: bool = False
    # PERSONAL_KINDS keys the department asserts are organisations' data in this column (office
    # phones, registered addresses): the scanner keeps them here; the receipt lists the assertion.
    organisational: tuple[str, ...] = ()

    @property
    def published(self) -> bool:
        return self.rule.op != "drop"


@dataclass(frozen=True)
class Department:
    name: str
    code: str | None = None

    @property
    def slug(self) -> str:
        """A URL-safe, stable organisation id (CKAN's organization name)."""
        import hashlib
        return "dept-" + hashlib.sha1(self.name.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Source:
    file: str
    encoding: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class Record:
    identifier: str
    title: str
    description: str
    department: Department
    themes: tuple[str, ...]
    keywords: tuple[str, ...]
    source: Source
    format: str
    share_type: str
    share_method: tuple[str, ...]
    open_type: str
    update_frequency: str
    last_updated: date
    security_level: str
    usage_requirements: str
    licence: str
    contact: Contact
    columns: tuple[Column, ...]
    title_en: str | None = None
    legal_basis: str | None = None
    issued: date | None = None
    spatial: str | None = None
    temporal_start: date | None = None
    temporal_end: date | None = None
    k_anonymity: int = 5
    # Presidio recognizer YAML files in the dataset folder, added to the built-in Chinese recognizers.
    recognizers: tuple[str, ...] = ()
    # A cell still flagged after desensitization stops the run instead of being redacted whole.
    strict_residual: bool = False

    # Machine codes of the Chinese terms, for exports.
    @property
    def open_code(self) -> str:
        return OPEN_TYPES[self.open_type]

    @property
    def share_code(self) -> str:
        return SHARE_TYPES[self.share_type]

    @property
    def frequency_code(self) -> str:
        return UPDATE_FREQUENCIES[self.update_frequency][0]

    @property
    def publishes_data(self) -> bool:
        """Not-open datasets are catalogue entries only; their rows are never published."""
        return self.open_type != "不予开放"

    @property
    def table(self) -> str:
        """The published table name (Datasette URL /data/<table>)."""
        return self.identifier

    def overdue(self, today: date) -> bool:
        max_age = UPDATE_FREQUENCIES[self.update_frequency][1]
        return max_age is not None and (today - self.last_updated).days > max_age

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)
