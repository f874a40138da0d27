"""Lists of ascending whole numbers typed by staff ("100,300,600"), as bank rules hold them."""


def parse_ascending(text: str, *, default: tuple[int, ...], strict: bool = False, most: int = 10) -> list[int]:
    """"100，300,600" → [100, 300, 600]. Strict: refuse (ValueError) anything but ascending positive
    whole numbers; otherwise fall back to `default`."""
    try:
        numbers = [int(part) for part in (text or "").replace("，", ",").split(",") if part.strip()]
    except ValueError:
        if strict:
            raise
        return list(default)
    if not numbers or any(n <= 0 for n in numbers) or numbers != sorted(set(numbers)) or len(numbers) > most:
        if strict:
            raise ValueError("thresholds")
        return list(default)
    return numbers
