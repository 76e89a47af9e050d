"""anonymize.prefilter: the character sets that let a pattern be skipped never skip a text it matches."""
import re

from anonymize import detect, prefilter


def test_first_chars_of_literals_branches_and_lookarounds():
    assert prefilter.first_chars("(?<!a)(?:ab|cd)x") == {"a", "c"}
    assert prefilter.first_chars("x{0,2}[yz]") == {"x", "y", "z"}
    assert prefilter.first_chars("(?=q)(?P<v>k)") == {"k"}


def test_unknown_or_empty_matches_give_no_screen():
    for pattern in ("a*", "[^a]b", ".x", "\\wx", "(?i)ab", "^$"):
        assert prefilter.first_chars(pattern) is None, pattern


def test_required_chars_include_lookahead_text():
    assert prefilter.required_chars("[一-龥]{2}(?=之(?:父|母))") == {"之"}
    assert prefilter.required_chars("(?:a|b.)c?") == {"a", "b"}
    assert prefilter.required_chars("x?.") is None


def test_no_table_pattern_is_screened_out_of_a_text_it_matches():
    texts = ["张三，男，身份证号110101199003071234，住杭州市西湖区文三路90号3幢201室，电话13800138000",
             "据王某之父王建国称，与李四离婚纠纷一案", "Applicant: Emily Carter, e-mail emily@example.com",
             "户号：3301234567 QQ 123456789 出生日期1990年3月7日 浙A12345"]
    for spec in detect.SPECS:
        for p in spec.patterns:
            screen = prefilter.screen(p.regex, detect.FLAGS)
            rx = detect.compile_pattern(p.regex)
            for t in texts:
                if rx.search(t):
                    assert screen is None or not screen.isdisjoint(t), (p.name, t)
