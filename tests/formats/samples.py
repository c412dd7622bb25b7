from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[3] / "shared" / "samples"
