"""The text engine (merge, diff, blame, word count) lives in coalition.drafting.text, shared
by statements, submissions and the mid-term report. This name is the same module object, so
code and tests importing it from here (or patching it) reach the one engine."""

import sys

from coalition.drafting import text as _text

sys.modules[__name__] = _text
