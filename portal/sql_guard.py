"""Bounds on what one SQL statement may do on a published database: functions, value length, memory."""
from __future__ import annotations

import sqlite3

# The longest string, blob or row any expression may build (SQLITE_LIMIT_LENGTH). Published rows are
# under 1 KB and a _catalog row about 10 KB; without a bound, randomblob(999999999) took 4.2 s and
# 1 GB. A single function call cannot be interrupted by the time limit, so the bound also caps what
# quadratic functions cost: instr/replace on 64 KB values take ~0.07 s at worst.
MAX_VALUE_BYTES = 65_536
MAX_PATTERN_BYTES = 1_000   # LIKE/GLOB patterns (default 50,000: a 32 KB glob ran 4.9 s)
# SQLite's heap for the whole serving process (PRAGMA hard_heap_limit is process-wide): past it a
# statement fails with "out of memory" instead of the machine swapping. The soft limit makes SQLite
# give back page cache before that.
HARD_HEAP_BYTES = 512 * 1024 * 1024
SOFT_HEAP_BYTES = 256 * 1024 * 1024
LIMITED = ("data", "restricted")   # the published databases; others (Datasette's own) are left alone

# Functions a query may call: reading, comparing, dates, JSON, aggregates, windows and full-text
# search. Everything else is refused: fts3_tokenizer (discloses and takes native pointers),
# load_extension, randomblob/zeroblob (allocate on demand), trim/ltrim/rtrim (a 5,000-character set
# costs n x m, over a second on 64 KB), printf/format (a width of 999999999 ran
# 6.7 s inside one call, past the time limit and the length limit), sqlite_* (build details), fts5()
# (a pointer), changes/last_insert_rowid (meaningless on a read-only database).
ALLOWED_FUNCTIONS = frozenset("""
abs avg char coalesce count glob group_concat hex ifnull iif instr length like likelihood likely lower
max min nullif quote random replace round sign soundex substr substring sum
total typeof unicode unlikely upper string_agg concat concat_ws octet_length
date time datetime julianday strftime unixepoch timediff
json json_array json_array_length json_error_position json_extract json_insert json_object json_patch
json_quote json_remove json_replace json_set json_type json_valid json_group_array json_group_object
jsonb -> ->>
acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2 mod
pi pow power radians sin sinh sqrt tan tanh trunc
row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
match snippet highlight bm25 offsets matchinfo escape_fts
""".split())

# Writes need no rule here: the files are opened immutable and Datasette runs only SELECT (and FTS5
# itself asks for an UPDATE on sqlite_master when it opens its table, so denying writes breaks search).
_REFUSED = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}


def authorize(action: int, arg1, arg2, db_name, trigger) -> int:
    """sqlite3 authorizer: only allow-listed functions; no ATTACH (another file) or DETACH."""
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_OK if (arg2 or "").lower() in ALLOWED_FUNCTIONS else sqlite3.SQLITE_DENY
    if action in _REFUSED:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def limit(conn: sqlite3.Connection) -> None:
    """Apply the bounds to a connection on a published database (Datasette's prepare_connection)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_PATTERN_BYTES)
    conn.execute(f"pragma soft_heap_limit = {SOFT_HEAP_BYTES}")
    conn.execute(f"pragma hard_heap_limit = {HARD_HEAP_BYTES}")
    conn.set_authorizer(authorize)
    if hasattr(conn, "enable_load_extension"):  # absent when Python is built without extension loading
        conn.enable_load_extension(False)
    if hasattr(conn, "setconfig"):  # Python 3.12+: switch the dangerous features off at the source too
        conn.setconfig(sqlite3.SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, False)
        conn.setconfig(sqlite3.SQLITE_DBCONFIG_DEFENSIVE, True)
        conn.setconfig(sqlite3.SQLITE_DBCONFIG_TRUSTED_SCHEMA, False)
