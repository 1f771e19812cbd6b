"""Resume a run that was killed: `python scripts/resume_workflow.py --cores 8 --resources gpu=4`.

Runs `snakemake --unlock` and then `snakemake --rerun-incomplete` with the given
arguments, and refuses while another Snakemake runs in the same folder (the
current one, or the one given with --directory).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from phoenix_keypoints.resume import resume  # noqa: E402

if __name__ == "__main__":
    if any(arg in ("-h", "--help") for arg in sys.argv[1:]):
        print(__doc__)
        sys.exit(0)
    sys.exit(resume(sys.argv[1:]))
