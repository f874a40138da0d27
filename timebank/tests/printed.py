"""Reading a printed sheet back in tests: the PDF's text as poppler's pdftotext gives it (make test
installs poppler-utils)."""
import subprocess


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()
