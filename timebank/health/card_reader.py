"""A station's health card reader as it behaves in the field, for demos, tests and load: each swipe
becomes a reading with the device's next sequence number and waits in a spool directory until the
platform has answered for it. When the intranet is down the readings stay in the spool and go up
later (an offline upload); `replay` sends everything already confirmed once more, as a device that
lost its memory would, and the platform must answer "duplicate" for each and store nothing.

Only the standard library and the public HTTP API (`POST /api/v1/health/readings` with the device's
`dev_…` token): this file could run on the reader itself.

The spool holds `reader.json` (server, token, card UIDs, next sequence), `pending.jsonl` (not yet
answered), `sent.jsonl` (stored or duplicate) and `rejected.jsonl` (refused, with the code)."""
import datetime as dt
import json
import os
import random
import urllib.error
import urllib.request
from pathlib import Path

MAX_BATCH = 1000


class ReaderError(Exception):
    """The platform refused the device itself (a revoked token, another station): retrying will not help."""


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class CardReader:
    def __init__(self, spool: Path | str):
        self.spool = Path(spool)
        self.config_path = self.spool / "reader.json"
        self.config = json.loads(self.config_path.read_text(encoding="utf-8")) if self.config_path.exists() else {}

    # ---- state ----------------------------------------------------------------------------------

    @classmethod
    def configure(cls, spool: Path | str, *, url: str, token: str, uids: list[str]) -> "CardReader":
        """Set up a reader's spool (keeps the sequence counter and the unsent readings of an old one)."""
        reader = cls(spool)
        reader.spool.mkdir(parents=True, exist_ok=True)
        reader.config.update(url=url.rstrip("/"), token=token, uids=list(uids))
        reader.config.setdefault("next_sequence", 1)
        reader._save()
        return reader

    def _save(self) -> None:
        _write_atomic(self.config_path, json.dumps(self.config, indent=2, ensure_ascii=False))

    def _read(self, name: str) -> list[dict]:
        path = self.spool / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def _append(self, name: str, rows: list[dict]) -> None:
        if rows:
            with (self.spool / name).open("a", encoding="utf-8") as f:
                f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)

    def pending(self) -> list[dict]:
        return self._read("pending.jsonl")

    def status(self) -> dict:
        return {"pending": len(self.pending()), "sent": len(self._read("sent.jsonl")),
                "rejected": len(self._read("rejected.jsonl")), "next_sequence": self.config.get("next_sequence", 1)}

    # ---- measuring ------------------------------------------------------------------------------

    def swipe(self, count: int, *, rng: random.Random | None = None, urgent_share: float = 0.0,
              uids: list[str] | None = None, now: dt.datetime | None = None) -> list[dict]:
        """`count` measurements of the configured cards (in turn), kept in the spool until uploaded."""
        rng = rng or random.Random()
        uids = uids or self.config.get("uids") or []
        if not uids:
            raise ReaderError("no card UIDs configured")
        now = now or dt.datetime.now(dt.UTC)
        readings = []
        for n in range(count):
            sequence = self.config["next_sequence"]
            self.config["next_sequence"] = sequence + 1
            readings.append(measurement(rng, uids[(sequence - 1) % len(uids)], sequence,
                                        now - dt.timedelta(seconds=count - n), urgent=rng.random() < urgent_share))
        self._append("pending.jsonl", readings)
        self._save()
        return readings

    # ---- talking to the platform ----------------------------------------------------------------

    def _post(self, items: list[dict], timeout: float) -> dict:
        body = json.dumps({"readings": items}).encode()
        request = urllib.request.Request(f"{self.config['url']}/api/v1/health/readings", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {self.config['token']}",
                                                  "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            if err.code >= 500:
                raise ConnectionError(f"server error {err.code}") from None
            try:
                answer = json.loads(err.read())
            except ValueError:
                answer = {}
            raise ReaderError(f"{err.code} {answer.get('code', '')}: {answer.get('message', '')}".strip()) from None
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            raise ConnectionError(str(getattr(err, "reason", err))) from None

    def upload(self, *, batch: int = 500, timeout: float = 30) -> dict:
        """Send the spool in batches, oldest first. Each answered reading leaves the spool (stored and
        duplicate to `sent.jsonl`, refused to `rejected.jsonl`); when the platform cannot be reached the
        rest waits for the next upload ("offline": true)."""
        batch = max(1, min(batch, MAX_BATCH))
        counts = {"stored": 0, "duplicate": 0, "rejected": 0, "offline": False, "left": 0}
        pending = self.pending()
        while pending:
            chunk = pending[:batch]
            try:
                answer = self._post(chunk, timeout)
            except ConnectionError as err:
                counts["offline"], counts["error"] = True, str(err)
                break
            sent, rejected = [], []
            for item, result in zip(chunk, answer["results"], strict=True):
                counts[result["status"]] += 1
                (rejected if result["status"] == "rejected" else sent).append(
                    {**item, "status": result["status"], "code": result.get("code")})
            self._append("sent.jsonl", sent)
            self._append("rejected.jsonl", rejected)
            pending = pending[len(chunk):]
            _write_atomic(self.spool / "pending.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                                for r in pending))
        counts["left"] = len(pending)
        return counts

    def replay(self, *, batch: int = 500, timeout: float = 30) -> dict:
        """Send every reading already answered once more; a correct platform stores none of them."""
        counts = {"stored": 0, "duplicate": 0, "rejected": 0}
        sent = [{k: v for k, v in r.items() if k not in ("status", "code")} for r in self._read("sent.jsonl")]
        for start in range(0, len(sent), max(1, min(batch, MAX_BATCH))):
            answer = self._post(sent[start:start + batch], timeout)
            for key in counts:
                counts[key] += answer[key]
        return counts


def measurement(rng: random.Random, uid: str, sequence: int, at: dt.datetime, *, urgent: bool = False) -> dict:
    """One plausible reading: blood pressure most often, then glucose (in either unit), then heart rate."""
    base = {"card_uid": uid, "sequence": sequence, "measured_at": at.isoformat()}
    roll = rng.random()
    if roll < 0.6:
        systolic = rng.randint(185, 210) if urgent else int(rng.gauss(130, 14))
        diastolic = min(systolic - 25, rng.randint(112, 125) if urgent else int(rng.gauss(82, 8)))
        return {**base, "kind": "bp", "systolic": systolic, "diastolic": diastolic}
    if roll < 0.8:
        context = rng.choice(["fasting", "after_meal", "random"])
        mmol = 2.6 if urgent else max(3.2, rng.gauss(6.4, 1.3))
        if rng.random() < 0.5:
            return {**base, "kind": "glucose", "glucose": round(mmol, 1), "unit": "mmol/L", "context": context}
        return {**base, "kind": "glucose", "glucose": round(mmol * 18), "unit": "mg/dL", "context": context}
    return {**base, "kind": "heart_rate", "bpm": rng.choice([36, 140]) if urgent else int(rng.gauss(76, 11))}
