import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

settings.register_profile(
    "hostile", max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.load_profile("hostile")

CJK = re.compile(r"[\u4e00-\u9fff]")

# Text an attacker or a broken client might send: control characters, RTL marks,
# surrogate-free unicode, huge strings, HTML/SQL fragments.
hostile_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=20),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "\u202e反转", "𠀀𪚥龘", "A" * 5000,
                     "中" * 3001, "", " ", "null", "-1", "9" * 30, "{\"a\": 1}", "[1,2,3]"]),
)
hostile_int = st.one_of(st.integers(min_value=-2**63, max_value=2**63), st.sampled_from(["", "abc", "1e9", "0x10", "-0"]))


def has_chinese_message(errors):
    """True when every error message (a dict of lists) contains Chinese text."""
    return all(CJK.search(str(m)) for msgs in errors.values() for m in msgs)
