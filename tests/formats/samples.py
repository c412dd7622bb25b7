"""Where the real bank files live for the tests.

They are public files written by banks or by other projects' test suites (sources and
licences in the folder's README.md), kept in the repository so that the suite runs from any
checkout. The team's shared copy sits beside the project; when it is there,
`test_shared_samples.py` checks that this copy holds every one of its files, unchanged.
"""

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "data" / "bank-samples"
# The team's shared copy, beside the repository, when it is there.
SHARED_SAMPLES_DIR = Path(__file__).resolve().parents[3] / "shared" / "samples"
