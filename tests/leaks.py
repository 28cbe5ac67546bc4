"""Where secret values occur: in texts, JSON-able data, files, directory trees and the emulator's task definitions and
log events (the checker of a secret-leak scan).

    scan = LeakScan({"the master key": key, "the salt key": salt})
    scan.text("stdout of the deploy", output)
    scan.tree(home)
    assert not scan.findings, scan.report()

Each value is looked for as it is, and in the simple encodings a log or a file could carry it in:

- ``json``: JSON-escaped, once or twice (a value with quotes, backslashes, control or non-ASCII characters inside a JSON
  string, or inside a JSON string inside a JSON string, as a job event's stdout holds a module's result);
- ``url``: URL-encoded (``quote`` and ``quote_plus``, every reserved character encoded: a URL inside a query string);
- ``base64``: standard and URL-safe alphabets, wherever the value lies in the encoded bytes: for each of the three byte
  alignments, the characters that encode the value's bytes alone. So the value's own encoding is found, and so is a
  value inside a longer encoded text (a config file carried base64-encoded in a task definition).

A form identical to the value itself is looked for once, as ``raw``. Nothing else is decoded: a hash, a compressed or
encrypted copy of a value is not found. A masked value (``********``, a censored result, a prefix and a suffix around
dots) is not the value and is not found. A finding names the secret, the form, where and on which line, never the value.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, quote_plus

# Shorter values would match by chance (and a "secret" that short is no secret).
MIN_LENGTH = 8


@dataclass(frozen=True)
class Finding:
    """``count`` occurrences of secret ``secret`` in form ``form`` in ``where``, the first on line ``line``."""

    secret: str
    form: str
    where: str
    line: int
    count: int

    def __str__(self) -> str:
        return f"{self.where}:{self.line}: {self.secret} ({self.form}, {self.count}x)"


def base64_fragments(value: bytes) -> set[bytes]:
    """The base64 characters that encode ``value`` alone, at each of the three byte alignments, in both alphabets."""
    found = set()
    for offset in range(3):
        # Character i of the encoding holds bits [6i, 6i + 6) of the input; keep those wholly inside the value's bits.
        encoded = base64.b64encode(b"\0" * offset + value)
        start, end = -(-8 * offset // 6), 8 * (offset + len(value)) // 6
        fragment = encoded[start:end]
        found |= {fragment, fragment.replace(b"+", b"-").replace(b"/", b"_")}
    return found


def forms(value: str) -> dict[bytes, str]:
    """Every byte string that carries ``value`` -> the name of its form (raw, json, url, base64)."""
    raw = value.encode("utf-8")
    once = json.dumps(value)[1:-1]
    twice = json.dumps(once)[1:-1]
    candidates = [("base64", fragment) for fragment in sorted(base64_fragments(raw))]
    candidates += [("url", quote(value, safe="").encode()), ("url", quote_plus(value, safe="").encode())]
    candidates += [("json", once.encode()), ("json", twice.encode()), ("json", json.dumps(value, ensure_ascii=False)[1:-1].encode())]
    found = {raw: "raw"}
    for form, needle in candidates:
        found.setdefault(needle, form)
    return found


class LeakScan:
    """Scans texts, data and files for secret values and keeps what it found and how much it read.

    ``secrets`` maps a description (what a finding shows) to the value (never shown)."""

    def __init__(self, secrets: Mapping[str, str]):
        self.needles: list[tuple[str, str, bytes]] = []
        for name, value in secrets.items():
            if not isinstance(value, str) or len(value) < MIN_LENGTH:
                raise ValueError(f"secret {name!r} must be a string of at least {MIN_LENGTH} characters to be looked for")
            self.needles += [(name, form, needle) for needle, form in forms(value).items()]
        self.secrets = len(secrets)
        self.findings: list[Finding] = []
        self.texts = self.files = self.bytes = 0
        self.unreadable: list[str] = []  # files listed but gone or unreadable when read (named, not hidden)

    @property
    def occurrences(self) -> int:
        return sum(finding.count for finding in self.findings)

    def report(self) -> str:
        return "\n".join(str(finding) for finding in self.findings)

    def discount(self, earlier: LeakScan) -> None:
        """Keep only what was added since ``earlier`` (a scan of some of the same places, before): a finding that
        ``earlier`` made in the same place and form counts only with the occurrences above its count."""
        before = {(f.where, f.secret, f.form): f.count for f in earlier.findings}
        kept = []
        for finding in self.findings:
            added = finding.count - before.get((finding.where, finding.secret, finding.form), 0)
            if added > 0:
                kept.append(replace(finding, count=added))
        self.findings = kept

    def _search(self, where: str, data: bytes, ignore: Iterable[str] = ()) -> list[Finding]:
        self.bytes += len(data)
        ignored = set(ignore)
        found = []
        for name, form, needle in self.needles:
            count = 0 if name in ignored else data.count(needle)
            if count:
                line = data.count(b"\n", 0, data.index(needle)) + 1
                found.append(Finding(name, form, where, line, count))
        self.findings += found
        return found

    def text(self, where: str, content: str | bytes) -> list[Finding]:
        """Scan one text (stdout, a rendered event, a log message)."""
        self.texts += 1
        return self._search(where, content.encode("utf-8", "surrogateescape") if isinstance(content, str) else content)

    def data(self, where: str, value) -> list[Finding]:
        """Scan JSON-able data (a job event, a task definition, a log event) as its JSON text."""
        return self.text(where, json.dumps(value, default=str, sort_keys=True))

    def file(self, path: Path | str, ignore: Iterable[str] = ()) -> list[Finding]:
        """Scan one file's bytes, for every value but those of the secrets named in ``ignore`` (a file that holds
        them by construction)."""
        try:
            content = Path(path).read_bytes()
        except OSError as exc:
            self.unreadable.append(f"{path}: {type(exc).__name__}")
            return []
        self.files += 1
        return self._search(str(path), content, ignore)

    def tree(self, root: Path | str, exclude: Iterable[Path | str] = (), skip_dirs: Iterable[str] = ()) -> list[Finding]:
        """Scan every regular file under ``root`` (symlinks not followed), but the ``exclude`` paths and the
        directories named in ``skip_dirs``."""
        excluded = {os.path.realpath(path) for path in exclude}
        skipped = set(skip_dirs)
        found = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(name for name in dirs if name not in skipped)
            for name in sorted(names):
                path = os.path.join(folder, name)
                if os.path.islink(path) or not os.path.isfile(path) or os.path.realpath(path) in excluded:
                    continue
                found += self.file(path)
        return found

    def task_definitions(self, ecs, family_prefix: str) -> list[str]:
        """Scan the whole description (not only the environment) of every revision, active or inactive, of the task
        definition families starting with ``family_prefix``; return the ARNs scanned."""
        arns = []
        families = []
        for page in ecs.get_paginator("list_task_definition_families").paginate(familyPrefix=family_prefix, status="ALL"):
            families += page["families"]
        for family in families:
            for status in ("ACTIVE", "INACTIVE"):
                for page in ecs.get_paginator("list_task_definitions").paginate(familyPrefix=family, status=status):
                    arns += page["taskDefinitionArns"]
        for arn in arns:
            answer = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
            answer.pop("ResponseMetadata", None)
            self.data(f"task definition {arn}", answer)
        return arns

    def log_events(self, logs, group_prefix: str) -> int:
        """Scan every event of every stream of the log groups starting with ``group_prefix``; return how many."""
        count = 0
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=group_prefix):
            for group in page["logGroups"]:
                name = group["logGroupName"]
                for streams in logs.get_paginator("describe_log_streams").paginate(logGroupName=name):
                    for stream in streams["logStreams"]:
                        events = _stream_events(logs, name, stream["logStreamName"])
                        for index, event in enumerate(events):
                            self.data(f"log event {index} of {name}/{stream['logStreamName']}", event)
                        count += len(events)
        return count


def _stream_events(logs, group: str, stream: str) -> list[dict]:
    """All events of one stream, oldest first (GetLogEvents pages until the forward token repeats)."""
    events, token = [], None
    while True:
        request = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            request["nextToken"] = token
        answer = logs.get_log_events(**request)
        events += answer["events"]
        if not answer["events"] or answer.get("nextForwardToken") in (None, token):
            return events
        token = answer["nextForwardToken"]
