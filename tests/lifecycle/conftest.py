"""Shared helpers for the importer tests: CSV builders."""

HEADER = "email,service_id,product,event,date,amount,billing_cycle"


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    """A file with ``header`` and ``rows``, optionally starting with a UTF-8 byte-order mark."""
    text = "\n".join([header, *rows]) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def history(email: str, sid: str = "1001") -> list[str]:
    """A service's started → renewed → upgraded history (annual, amounts per year)."""
    return [
        f"{email},{sid},Shared Hosting Starter,started,2024-03-01,118.80,Annually",
        f"{email},{sid},Shared Hosting Starter,renewed,2025-03-01,118.80,Annually",
        f"{email},{sid},VPS Cloud M,upgraded,2025-07-01,468.00,Annually",
    ]
