"""The lean XLSX reader against workbooks written by hand: what Excel and WPS really put in them."""
import datetime as dt
import io
import zipfile

from timebank.imports import roster
from timebank.imports.models import ImportStatus

from .conftest import HEADER, id_for, xlsx_bytes

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _workbook(sheet_rows: str, *, date1904=False, shared=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", f'<workbook {NS} {REL}><workbookPr date1904="{int(date1904)}"/><sheets>'
                                      f'<sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Target="/xl/worksheets/sheet1.xml" Type="worksheet"/></Relationships>')
        z.writestr("xl/styles.xml", f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="176" '
                                    f'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
                                    f'<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/>'
                                    f'<xf numFmtId="49"/></cellXfs></styleSheet>')
        z.writestr("xl/sharedStrings.xml", f'<sst {NS}>' + "".join(shared) + "</sst>")
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {NS}><dimension ref="A1:D9"/><sheetData>{sheet_rows}'
                                               f'</sheetData></worksheet>')
    return buffer.getvalue()


def _cells(data: bytes) -> dict[int, dict]:
    return dict(roster.open_roster(data).data_rows())


def test_it_reads_shared_rich_text_inline_strings_numbers_and_date_styles():
    number = id_for()
    shared = ["<si><t>姓名</t></si>", "<si><t>身份证号</t></si>", "<si><t>出生日期</t></si>",
              # a rich-text name with a phonetic guide, as Excel stores it
              "<si><r><t>王</t></r><r><rPr><b/></rPr><t>秀英</t></r><rPh sb=\"0\" eb=\"1\"><t>ワン</t></rPh></si>"]
    serial = (dt.date(1950, 3, 5) - dt.date(1899, 12, 30)).days
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
            f'<row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3" t="inlineStr"><is><t>{number}</t></is></c>'
            f'<c r="C3" s="1"><v>{serial}</v></c></row>'
            f'<row r="4"><c r="A4" t="str"><v>赵建国</v></c><c r="B4" s="3" t="s"><v>1</v></c>'
            f'<c r="C4" s="2"><v>{serial}.0</v></c></row>'
            f'<row><c t="inlineStr"><is><t>钱多多</t></is></c><c t="b"><v>1</v></c><c s="0"><v>{serial}</v></c></row>')
    cells = _cells(_workbook(rows, shared=shared))
    assert cells[3]["name"] == "王秀英" and cells[3]["id_number"] == number
    assert cells[3]["birth_date"] == dt.datetime(1950, 3, 5)
    assert cells[4]["name"] == "赵建国" and cells[4]["birth_date"] == dt.datetime(1950, 3, 5)  # custom 年月日 format
    assert cells[5]["name"] == "钱多多" and cells[5]["id_number"] is True and cells[5]["birth_date"] == serial


def test_it_reads_dates_of_a_workbook_in_the_1904_date_system():
    serial = (dt.date(1950, 3, 5) - dt.date(1904, 1, 1)).days
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t>'
            '</is></c><c r="C1" t="inlineStr"><is><t>出生日期</t></is></c></row>'
            f'<row r="2"><c r="A2" t="inlineStr"><is><t>王秀英</t></is></c><c r="C2" s="1"><v>{serial}</v></c></row>')
    assert _cells(_workbook(rows, date1904=True))[2]["birth_date"] == dt.datetime(1950, 3, 5)


def test_it_agrees_with_openpyxl_on_a_generated_roster():
    from openpyxl import load_workbook

    data = xlsx_bytes([HEADER] + [[f"人{i}", id_for(), "女", dt.date(1950, 1, 1) + dt.timedelta(days=i),
                                   f"138{i:08d}", "政立路社区", i * 1.5] for i in range(50)], title="花名册")
    ours = [cells for _, cells in roster._Workbook(data).rows("xl/worksheets/sheet1.xml")]
    theirs = [list(r) for r in load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True)]
    assert [[c for c in row if c is not None] for row in ours] == [[c for c in row if c is not None] for row in theirs]


def test_a_workbook_damaged_below_its_header_fails_the_job_with_a_reason(world, upload):
    good = xlsx_bytes([HEADER] + [[f"人{i}", id_for(), "", "", "", "", ""] for i in range(40)])
    source = zipfile.ZipFile(io.BytesIO(good))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<row r="35"', b'<row r="35"><broken')
            z.writestr(item, content)
    job = upload(buffer.getvalue())
    assert job.status == ImportStatus.FAILED and job.error_code == "import_file_unreadable"
    assert job.checked_at is None
