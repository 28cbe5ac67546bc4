"""Shared test set-up: make llmops.litellm_ecs importable as this working tree, and tools/ importable."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import dev  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, str(dev.collections_path()))
