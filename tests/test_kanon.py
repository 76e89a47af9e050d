"""k-anonymity: classes below k are generalized when that reaches k, else suppressed; the report counts."""
import random
from collections import Counter

from anonymize import kanon
from anonymize.operators import generalize


def _run(rows, qi, gens, k=5):
    report = kanon.KReport(k, [f"c{i}" for i in qi])
    out = list(kanon.enforce(iter([list(r) for r in rows]), qi, gens, report))
    return out, report


def _classes(rows, qi):
    return Counter(tuple(r[i] for i in qi) for r in rows)


def test_large_classes_pass_unchanged():
    rows = [[str(i), "鹿城区", "3"] for i in range(10)]
    out, report = _run(rows, [1, 2], [None, None])
    assert out == rows
    assert (report.classes, report.classes_below_k, report.rows_generalized, report.rows_suppressed) == (1, 0, 0, 0)


def test_small_classes_are_generalized_with_the_column_rule():
    addr = lambda v: generalize(v, "address")  # noqa: E731
    rows = [[str(i), f"温州市鹿城区解放路{i}号", "2"] for i in range(6)]   # six distinct addresses, one district
    out, report = _run(rows, [1], [addr])
    assert [r[1] for r in out] == ["温州市鹿城区"] * 6
    assert [r[0] for r in out] == [str(i) for i in range(6)]             # order and other columns kept
    assert report.rows_generalized == 6 and report.rows_suppressed == 0 and report.classes_below_k == 6


def test_rows_that_cannot_reach_k_are_suppressed():
    rows = [["a", "鹿城区", "2"]] * 5 + [["b", "洞头区", "7"]] * 2
    out, report = _run(rows, [1, 2], [None, None])
    assert out[:5] == [["a", "鹿城区", "2"]] * 5
    assert out[5:] == [["b", kanon.SUPPRESSED, kanon.SUPPRESSED]] * 2
    assert report.rows_suppressed == 2 and report.rows_generalized == 0


def test_generalized_class_may_join_an_existing_large_class():
    year = lambda v: v[:4]  # noqa: E731
    rows = [["x", "1990"]] * 5 + [["y", "1990-03-02"]]
    out, report = _run(rows, [1], [year])
    assert out[-1] == ["y", "1990"] and report.rows_generalized == 1


def test_output_is_k_anonymous_on_random_data():
    rng = random.Random(5)
    rows = [[str(i), rng.choice("ABCDEFG"), str(rng.randint(18, 80))] for i in range(400)]
    band = lambda v: f"{int(v) - int(v) % 10}s"  # noqa: E731
    out, report = _run(rows, [1, 2], [None, band], k=5)
    classes = _classes([r for r in out if r[1] != kanon.SUPPRESSED], [1, 2])
    assert all(n >= 5 for n in classes.values())
    assert len(out) == 400 and report.rows_generalized + report.rows_suppressed > 0
    assert report.rows_generalized + report.rows_suppressed == sum(
        n for n in _classes(rows, [1, 2]).values() if n < 5)
    assert "行泛化" in report.status
