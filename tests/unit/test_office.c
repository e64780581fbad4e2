/*
 * Unit tests of the office parser (office.c): type recognition, DOCX
 * (headings, lists, tables, notes, comments, tracked changes, hidden text,
 * metadata), XLSX (sheets, shared and inline strings, booleans, formulas,
 * dates), PPTX (slides, titles, lists, tables, notes), ODT/ODS/ODP, and
 * hostile input (ZIP bomb, external entity, encrypted ODF, not a ZIP).
 * Fixtures are ZIPs written in memory with libarchive from the XML below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include <enclave.h>
#include "ingest/ingest_int.h"
#include "doc_check.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

/* A ZIP built in memory. */
struct zipbuf {
	unsigned char *data;
	size_t len;
};

/*
 * Write a ZIP of the NULL-terminated list of name, content pairs; an entry
 * of `big` bytes of zeros named "big.xml" is added when big > 0.
 */
static struct zipbuf mkzip(const char *const *entries, size_t big)
{
	struct zipbuf z;
	size_t cap = 4 << 20, used = 0, i;
	struct archive *a = archive_write_new();
	struct archive_entry *e;

	z.data = malloc(cap);
	assert_non_null(z.data);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, z.data, cap, &used), ARCHIVE_OK);
	for (i = 0; entries[i]; i += 2) {
		size_t n = strlen(entries[i + 1]);
		e = archive_entry_new();
		archive_entry_set_pathname(e, entries[i]);
		archive_entry_set_size(e, (la_int64_t)n);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, entries[i + 1], n), (la_ssize_t)n);
		archive_entry_free(e);
	}
	if (big) {
		static char zeros[65536];
		size_t done = 0;
		e = archive_entry_new();
		archive_entry_set_pathname(e, "word/document.xml");
		archive_entry_set_size(e, (la_int64_t)big);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		while (done < big) {
			size_t n = big - done < sizeof(zeros) ? big - done : sizeof(zeros);
			assert_int_equal(archive_write_data(a, zeros, n), (la_ssize_t)n);
			done += n;
		}
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	z.len = used;
	return z;
}

/* Parse the ZIP `z` (freed here) as what office_kind says; the result in *rc. */
static struct enclave_doc *parse_rc(struct zipbuf z, const char *want_kind, int *rc)
{
	struct enclave_doc *doc;
	const char *kind = office_kind(z.data, z.len);

	assert_non_null(kind);
	assert_string_equal(kind, want_kind);
	assert_int_equal(doc_new(&doc, kind), 0);
	*rc = ingest_office(doc, kind, z.data, z.len);
	free(z.data);
	return doc;
}

/* Parse; assert success. */
static struct enclave_doc *parse(struct zipbuf z, const char *want_kind)
{
	int rc;
	struct enclave_doc *doc = parse_rc(z, want_kind, &rc);

	if (rc)
		print_error("ingest_office: %d %s\n", rc, enclave_error_last());
	assert_int_equal(rc, 0);
	return doc;
}

/* Assert block `i`'s attrs contain `frag`. */
static void check_attrs(const struct enclave_doc *doc, size_t i, const char *frag)
{
	assert_true(i < doc->nblocks);
	assert_non_null(doc->blocks[i].attrs);
	if (!strstr(doc->blocks[i].attrs, frag))
		print_error("block %zu attrs: want '%s' in '%s'\n", i, frag, doc->blocks[i].attrs);
	assert_non_null(strstr(doc->blocks[i].attrs, frag));
}

#define CT                     \
	"[Content_Types].xml", \
	    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"
#define W "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""
#define CORE                                                                                \
	"docProps/core.xml",                                                                \
	    "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/" \
	    "metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"     \
	    "<dc:title>The Title</dc:title><dc:creator>Ann "                                \
	    "Author</dc:creator><dc:language>fr-FR</dc:language></cp:coreProperties>"

/* ------------------------------------------------------------------ */
/* Recognition                                                        */
/* ------------------------------------------------------------------ */

/* A ZIP that is no office document, and a non-ZIP, are not recognised. */
static void test_kind_none(void **state)
{
	const char *plain[] = { "a.txt", "hello", NULL };
	const char *docx_no_ct[] = { "word/document.xml", "<x/>", NULL };
	struct zipbuf z = mkzip(plain, 0), y = mkzip(docx_no_ct, 0);

	(void)state;
	assert_null(office_kind(z.data, z.len));
	assert_null(office_kind(y.data, y.len));
	assert_null(office_kind((const unsigned char *)"PK\x03\x04garbage", 11));
	free(z.data);
	free(y.data);
}

/* ------------------------------------------------------------------ */
/* DOCX                                                               */
/* ------------------------------------------------------------------ */

/* Headings from styles, lists with numbering, tables, tabs and breaks, metadata. */
static void test_docx_body(void **state)
{
	const char *e[] = {
		CT,
		CORE,
		"word/styles.xml",
		"<w:styles " W "><w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name "
		"w:val=\"heading 1\"/></w:style>"
		"<w:style w:styleId=\"Titre2\"><w:name w:val=\"heading 2\"/></w:style>"
		"<w:style w:styleId=\"Title\"><w:name w:val=\"Title\"/></w:style></w:styles>",
		"word/numbering.xml",
		"<w:numbering " W "><w:abstractNum w:abstractNumId=\"0\"><w:lvl "
		"w:ilvl=\"0\"><w:numFmt w:val=\"decimal\"/></w:lvl>"
		"<w:lvl w:ilvl=\"1\"><w:numFmt w:val=\"bullet\"/></w:lvl></w:abstractNum>"
		"<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>",
		"word/document.xml",
		"<w:document " W "><w:body>"
		"<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>Doc</w:t></w:r></w:p>"
		"<w:p><w:pPr><w:pStyle "
		"w:val=\"Heading1\"/></w:pPr><w:r><w:t>Intro</w:t></w:r></w:p>"
		"<w:p><w:pPr><w:pStyle w:val=\"Titre2\"/></w:pPr><w:r><w:t>Sub</w:t></w:r></w:p>"
		"<w:p><w:r><w:t "
		"xml:space=\"preserve\">a</w:t><w:tab/><w:t>b</w:t><w:br/><w:t>c</w:t></w:r></w:p>"
		"<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId "
		"w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>one</w:t></w:r></w:p>"
		"<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId "
		"w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>two</w:t></w:r></w:p>"
		"<w:p><w:pPr><w:numPr><w:ilvl w:val=\"1\"/><w:numId "
		"w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>dot</w:t></w:r></w:p>"
		"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>A1</w:t></w:r></w:p></"
		"w:tc><w:tc><w:p><w:r><w:t>B1</w:t></w:r></w:p></w:tc></w:tr>"
		"<w:tr><w:tc><w:tbl><w:tr><w:tc><w:p><w:r><w:t>in</w:t></w:r></w:p></"
		"w:tc><w:tc><w:p><w:r><w:t>ner</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:tc>"
		"<w:tc><w:p><w:r><w:t>B2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
		"<w:p><w:pPr><w:outlineLvl "
		"w:val=\"2\"/></w:pPr><w:r><w:t>Outlined</w:t></w:r></w:p>"
		"</w:body></w:document>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "docx");

	(void)state;
	assert_string_equal(doc->title, "The Title");
	/* dc:language as written: ingest keeps it as the document's language (lang.c). */
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "language")), "fr-FR");
	assert_string_equal(json_string_value(json_object_get(doc->metadata, "author")),
	                    "Ann Author");
	check_block(doc, 0, ENCLAVE_BLOCK_TITLE, 0, "Doc");
	check_block(doc, 1, ENCLAVE_BLOCK_HEADING, 1, "Intro");
	check_block(doc, 2, ENCLAVE_BLOCK_HEADING, 2, "Sub");
	check_block(doc, 3, ENCLAVE_BLOCK_PARAGRAPH, 0, "a\tb\nc");
	check_block(doc, 4, ENCLAVE_BLOCK_LIST_ITEM, 1, "one");
	check_attrs(doc, 4, "\"number\":1");
	check_attrs(doc, 5, "\"ordered\":true");
	check_attrs(doc, 5, "\"number\":2");
	check_block(doc, 6, ENCLAVE_BLOCK_LIST_ITEM, 2, "dot");
	assert_true(!doc->blocks[6].attrs || !strstr(doc->blocks[6].attrs, "ordered"));
	check_block(doc, 7, ENCLAVE_BLOCK_TABLE, 0, "A1\tB1\nin ner\tB2");
	check_attrs(doc, 7, "{\"rows\":[[\"A1\",\"B1\"],[\"in ner\",\"B2\"]]}");
	check_block(doc, 8, ENCLAVE_BLOCK_HEADING, 3, "Outlined");
	assert_int_equal(doc->nblocks, 9);
	enclave_doc_free(doc);
}

/* Headers, footers, notes, comments, tracked changes, hidden text. */
static void test_docx_hidden_data(void **state)
{
	const char *e[] = { CT,
		            "word/document.xml",
		            "<w:document " W "><w:body>"
		            "<w:p><w:r><w:t xml:space=\"preserve\">Pay "
		            "</w:t></w:r><w:ins><w:r><w:t>Bob</w:t></w:r></w:ins>"
		            "<w:del><w:r><w:delText>Alice 555-1234</w:delText></w:r></w:del></w:p>"
		            "<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>secret</w:t></w:r></w:p>"
		            "</w:body></w:document>",
		            "word/header1.xml",
		            "<w:hdr " W "><w:p><w:r><w:t>Head</w:t></w:r></w:p></w:hdr>",
		            "word/footer1.xml",
		            "<w:ftr " W "><w:p><w:r><w:t>Foot</w:t></w:r></w:p></w:ftr>",
		            "word/footnotes.xml",
		            "<w:footnotes " W "><w:footnote w:type=\"separator\" "
		            "w:id=\"-1\"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>"
		            "<w:footnote w:id=\"1\"><w:p><w:r><w:t>A "
		            "note</w:t></w:r></w:p></w:footnote></w:footnotes>",
		            "word/comments.xml",
		            "<w:comments " W
		            "><w:comment w:id=\"0\" w:author=\"Carol\"><w:p><w:r><w:t>Check "
		            "this</w:t></w:r></w:p></w:comment></w:comments>",
		            NULL };
	struct enclave_doc *doc = parse(mkzip(e, 0), "docx");

	(void)state;
	check_block(doc, 0, ENCLAVE_BLOCK_HEADER, 0, "Head");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "Pay Bob");
	check_block(doc, 2, ENCLAVE_BLOCK_PARAGRAPH, 0, "Alice 555-1234");
	check_attrs(doc, 2, "\"tracked\":\"deletion\"");
	check_block(doc, 3, ENCLAVE_BLOCK_PARAGRAPH, 0, "secret");
	check_attrs(doc, 3, "\"hidden\":true");
	check_block(doc, 4, ENCLAVE_BLOCK_PARAGRAPH, 0, "A note");
	check_attrs(doc, 4, "\"note\":\"footnote\"");
	check_block(doc, 5, ENCLAVE_BLOCK_PARAGRAPH, 0, "Check this");
	check_attrs(doc, 5, "\"comment\":true");
	check_attrs(doc, 5, "\"author\":\"Carol\"");
	check_block(doc, 6, ENCLAVE_BLOCK_FOOTER, 0, "Foot");
	assert_int_equal(doc->nblocks, 7);
	enclave_doc_free(doc);
}

/* An external entity is never read and adds no text. */
static void test_docx_xxe(void **state)
{
	const char *e[] = {
		CT, "word/document.xml",
		"<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<w:document " W
		"><w:body><w:p><w:r><w:t>a&x;b</w:t></w:r></w:p></w:body></w:document>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "docx");

	(void)state;
	assert_int_equal(doc->nblocks, 1);
	assert_null(strstr(doc->blocks[0].text, "root"));
	enclave_doc_free(doc);
}

/* Nesting past libxml2's limit is ENCLAVE_ELIMIT. */
static void test_docx_deep(void **state)
{
	char *xml = malloc(20000);
	size_t i, n = 0;
	int rc;
	const char *e[] = { CT, "word/document.xml", NULL, NULL };
	struct enclave_doc *doc;

	(void)state;
	n += (size_t)snprintf(xml + n, 20000 - n, "<w:document " W "><w:body>");
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(xml + n, 20000 - n, "<w:sdt>");
	for (i = 0; i < 600; i++)
		n += (size_t)snprintf(xml + n, 20000 - n, "</w:sdt>");
	snprintf(xml + n, 20000 - n, "</w:body></w:document>");
	e[3] = xml;
	doc = parse_rc(mkzip(e, 0), "docx", &rc);
	assert_int_equal(rc, ENCLAVE_ELIMIT);
	enclave_doc_free(doc);
	free(xml);
}

/* A part decompressing past the cap is ENCLAVE_ELIMIT (300 MB of zeros). */
static void test_zip_bomb(void **state)
{
	const char *e[] = { CT, NULL };
	int rc;
	struct enclave_doc *doc = parse_rc(mkzip(e, (size_t)300 << 20), "docx", &rc);

	(void)state;
	assert_int_equal(rc, ENCLAVE_ELIMIT);
	assert_non_null(strstr(enclave_error_last(), "decompressed size over"));
	enclave_doc_free(doc);
}

/*
 * A docx cut short after its [Content_Types].xml (no central directory, no
 * main part) is still a docx, and fails saying it is truncated, rather than
 * reading as a ZIP of XML parts.
 */
static void test_docx_truncated(void **state)
{
	const char *e[] = {
		"[Content_Types].xml",
		"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Override PartName=\"/word/document.xml\" ContentType=\"application/"
		"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
		"</Types>",
		"word/document.xml",
		"<w:document " W "><w:body><w:p><w:r><w:t>Lost</w:t></w:r></w:p>"
		"</w:body></w:document>",
		NULL
	};
	struct zipbuf z = mkzip(e, 0);
	const unsigned char *second = memmem(z.data + 4, z.len - 4, "PK\x03\x04", 4);
	struct enclave_doc *doc = NULL;
	const char *mt;

	(void)state;
	assert_non_null(second);
	z.len = (size_t)(second - (const unsigned char *)z.data) + 20; /* into the next header */
	assert_string_equal(office_kind(z.data, z.len), "docx");
	assert_true(extract_buffer(&doc, &mt, z.data, z.len, "cut.docx", NULL) < 0);
	assert_null(doc);
	assert_non_null(strstr(enclave_error_last(), "cut.docx"));
	assert_non_null(strstr(enclave_error_last(), "truncated"));
	free(z.data);
}

/* ------------------------------------------------------------------ */
/* XLSX                                                               */
/* ------------------------------------------------------------------ */

#define S                                                                      \
	"xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

/* Sheets in workbook order, strings, numbers, booleans, formulas, dates. */
static void test_xlsx(void **state)
{
	const char *e[] = {
		CT,
		"xl/workbook.xml",
		"<workbook " S "><sheets><sheet name=\"Second\" sheetId=\"2\" r:id=\"rId2\"/>"
		"<sheet name=\"First\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
		"xl/_rels/workbook.xml.rels",
		"<Relationships "
		"xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
		"<Relationship Id=\"rId2\" Type=\"x/worksheet\" "
		"Target=\"/xl/worksheets/sheet2.xml\"/></Relationships>",
		"xl/sharedStrings.xml",
		"<sst " S "><si><t>Name</t></si><si><r><t>Ri</t></r><r><t>ch</t></r></si></sst>",
		"xl/styles.xml",
		"<styleSheet " S
		"><numFmts><numFmt numFmtId=\"164\" formatCode=\"yyyy/mm/dd\"/></numFmts>"
		"<cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf "
		"numFmtId=\"164\"/></cellXfs></styleSheet>",
		"xl/worksheets/sheet1.xml",
		"<worksheet " S "><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c "
		"r=\"C1\" t=\"s\"><v>1</v></c></row>"
		"<row r=\"2\"><c r=\"A2\"><v>3.50</v></c><c r=\"B2\" t=\"b\"><v>1</v></c><c "
		"r=\"C2\"><f>A2*2</f><v>7</v></c>"
		"<c r=\"D2\" t=\"inlineStr\"><is><t>inl</t></is></c></row>"
		"<row r=\"3\"><c r=\"A3\" s=\"1\"><v>45000</v></c><c r=\"B3\" "
		"s=\"2\"><v>1</v></c><c r=\"C3\" s=\"1\"><v>45000.5</v></c></row>"
		"</sheetData></worksheet>",
		"xl/worksheets/sheet2.xml",
		"<worksheet " S "><sheetData><row r=\"1\"><c r=\"A1\" "
		"t=\"str\"><f>X</f><v>txt</v></c></row></sheetData></worksheet>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "xlsx");

	(void)state;
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "Second");
	check_block(doc, 1, ENCLAVE_BLOCK_TABLE, 0, "txt");
	check_block(doc, 2, ENCLAVE_BLOCK_HEADING, 1, "First");
	check_block(
	    doc, 3, ENCLAVE_BLOCK_TABLE, 0,
	    "Name\t\tRich\n3.50\tTRUE\t7\tinl\n2023-03-15\t1900-01-01\t2023-03-15T12:00:00");
	check_attrs(doc, 3, "[\"Name\",\"\",\"Rich\"]");
	assert_int_equal(doc->nblocks, 4);
	enclave_doc_free(doc);
}

/* The 1904 date system. */
static void test_xlsx_1904(void **state)
{
	const char *e[] = {
		CT,
		"xl/workbook.xml",
		"<workbook " S "><workbookPr date1904=\"1\"/><sheets><sheet name=\"S\" "
		"r:id=\"rId1\"/></sheets></workbook>",
		"xl/_rels/workbook.xml.rels",
		"<Relationships><Relationship Id=\"rId1\" "
		"Target=\"worksheets/sheet1.xml\"/></Relationships>",
		"xl/styles.xml",
		"<styleSheet " S
		"><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/></cellXfs></styleSheet>",
		"xl/worksheets/sheet1.xml",
		"<worksheet " S "><sheetData><row><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" "
		"s=\"1\"><v>1</v></c></row></sheetData></worksheet>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "xlsx");

	(void)state;
	check_block(doc, 1, ENCLAVE_BLOCK_TABLE, 0, "1904-01-01\t1904-01-02");
	enclave_doc_free(doc);
}

/* Past OFFICE_MAX_CELLS table cells (gaps padded) is ENCLAVE_ELIMIT. */
static void test_xlsx_cell_cap(void **state)
{
	struct buf sheet = BUF_INIT((size_t)1 << 20);
	const char *e[] = { CT,
		            "xl/workbook.xml",
		            "<workbook " S
		            "><sheets><sheet name=\"S\" r:id=\"rId1\"/></sheets></workbook>",
		            "xl/_rels/workbook.xml.rels",
		            "<Relationships><Relationship Id=\"rId1\" "
		            "Target=\"worksheets/sheet1.xml\"/></Relationships>",
		            "xl/worksheets/sheet1.xml",
		            NULL,
		            NULL };
	struct enclave_doc *doc;
	int i, rc;

	(void)state;
	assert_int_equal(buf_puts(&sheet, "<worksheet " S "><sheetData>"), 0);
	for (i = 0; i < 70; i++)
		assert_int_equal(buf_puts(&sheet, "<row><c r=\"XFD1\"><v>1</v></c></row>"), 0);
	assert_int_equal(buf_puts(&sheet, "</sheetData></worksheet>"), 0);
	e[7] = sheet.ptr;
	doc = parse_rc(mkzip(e, 0), "xlsx", &rc);
	assert_int_equal(rc, ENCLAVE_ELIMIT);
	enclave_doc_free(doc);
	buf_release(&sheet);
}

/* ------------------------------------------------------------------ */
/* PPTX                                                               */
/* ------------------------------------------------------------------ */

#define P                                                                         \
	"xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" " \
	"xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "      \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

/* Slides in order with their size, titles, list levels, tables, notes. */
static void test_pptx(void **state)
{
	const char *e[] = {
		CT,
		"ppt/presentation.xml",
		"<p:presentation " P "><p:sldIdLst><p:sldId id=\"257\" r:id=\"rId3\"/><p:sldId "
		"id=\"256\" r:id=\"rId2\"/></p:sldIdLst>"
		"<p:sldSz cx=\"9144000\" cy=\"6858000\"/></p:presentation>",
		"ppt/_rels/presentation.xml.rels",
		"<Relationships><Relationship Id=\"rId2\" "
		"Target=\"slides/slide1.xml\"/><Relationship Id=\"rId3\" "
		"Target=\"slides/slide2.xml\"/></Relationships>",
		"ppt/slides/slide1.xml",
		"<p:sld " P "><p:cSld><p:spTree>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph "
		"type=\"title\"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>Second</a:t></a:r></"
		"a:p></p:txBody></p:sp>"
		"<p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tr><a:tc><a:txBody><a:p><a:r><"
		"a:t>x</a:t></a:r></a:p></a:txBody></a:tc>"
		"<a:tc><a:txBody><a:p><a:r><a:t>y</a:t></a:r></a:p></a:txBody></a:tc></a:tr></"
		"a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
		"</p:spTree></p:cSld></p:sld>",
		"ppt/slides/slide2.xml",
		"<p:sld " P "><p:cSld><p:spTree>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph "
		"type=\"ctrTitle\"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>First</a:t></"
		"a:r></a:p></p:txBody></p:sp>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph "
		"idx=\"1\"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>Body "
		"text</a:t></a:r></a:p>"
		"<a:p><a:pPr lvl=\"1\"/><a:r><a:t>Sub point</a:t></a:r></a:p></p:txBody></p:sp>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph type=\"ftr\" idx=\"11\"/></p:nvPr></p:nvSpPr>"
		"<p:txBody><a:p><a:r><a:t>Acme confidential</a:t></a:r></a:p></p:txBody></p:sp>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph type=\"sldNum\" idx=\"12\"/></p:nvPr></p:nvSpPr>"
		"<p:txBody><a:p><a:r><a:t>7</a:t></a:r></a:p></p:txBody></p:sp>"
		"</p:spTree></p:cSld></p:sld>",
		"ppt/slides/_rels/slide2.xml.rels",
		"<Relationships><Relationship Id=\"rId9\" "
		"Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
		"notesSlide\" Target=\"../notesSlides/notesSlide1.xml\"/></Relationships>",
		"ppt/notesSlides/notesSlide1.xml",
		"<p:notes " P "><p:cSld><p:spTree>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph type=\"sldImg\"/></p:nvPr></p:nvSpPr></p:sp>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph type=\"body\" "
		"idx=\"1\"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>Say "
		"hi</a:t></a:r></a:p></p:txBody></p:sp>"
		"<p:sp><p:nvSpPr><p:nvPr><p:ph "
		"type=\"sldNum\"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>1</a:t></a:r></"
		"a:p></p:txBody></p:sp>"
		"</p:spTree></p:cSld></p:notes>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "pptx");

	(void)state;
	assert_int_equal(doc->npages, 2);
	assert_true(doc->pages[0].width == 720.0 && doc->pages[0].height == 540.0);
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "First");
	assert_int_equal(doc->blocks[0].page, 1);
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "Body text");
	check_block(doc, 2, ENCLAVE_BLOCK_LIST_ITEM, 2, "Sub point");
	/* The footer placeholder is kept, marked; the slide number is not. */
	check_block(doc, 3, ENCLAVE_BLOCK_FOOTER, 0, "Acme confidential");
	check_block(doc, 4, ENCLAVE_BLOCK_PARAGRAPH, 0, "Say hi");
	check_attrs(doc, 4, "\"notes\":true");
	check_block(doc, 5, ENCLAVE_BLOCK_HEADING, 1, "Second");
	assert_int_equal(doc->blocks[5].page, 2);
	check_block(doc, 6, ENCLAVE_BLOCK_TABLE, 0, "x\ty");
	assert_int_equal(doc->nblocks, 7);
	enclave_doc_free(doc);
}

/* ------------------------------------------------------------------ */
/* ODF                                                                */
/* ------------------------------------------------------------------ */

#define ODFNS                                                                \
	"xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "     \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "   \
	"xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "  \
	"xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\""

/* ODT: headings, paragraphs, nested lists, tables, title. */
static void test_odt(void **state)
{
	const char *e[] = {
		"mimetype",
		"application/vnd.oasis.opendocument.text",
		"meta.xml",
		"<office:document-meta " ODFNS
		" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><office:meta><dc:title>Odt "
		"Title</dc:title></office:meta></office:document-meta>",
		"content.xml",
		"<office:document-content " ODFNS "><office:body><office:text>"
		"<text:h text:outline-level=\"2\">Head</text:h><text:p>One<text:s "
		"text:c=\"2\"/>two<text:tab/>t</text:p>"
		"<text:list><text:list-item><text:p>L1</"
		"text:p><text:list><text:list-item><text:p>L2</text:p></text:list-item></"
		"text:list></text:list-item></text:list>"
		"<table:table "
		"table:name=\"T\"><table:table-row><table:table-cell><text:p>a</text:p></"
		"table:table-cell>"
		"<table:table-cell "
		"table:number-columns-repeated=\"2\"><text:p>b</text:p></table:table-cell>"
		"<table:table-cell "
		"table:number-columns-repeated=\"1000\"/></table:table-row></table:table>"
		"</office:text></office:body></office:document-content>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "odt");

	(void)state;
	assert_string_equal(doc->title, "Odt Title");
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 2, "Head");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "One  two\tt");
	check_block(doc, 2, ENCLAVE_BLOCK_LIST_ITEM, 1, "L1");
	check_block(doc, 3, ENCLAVE_BLOCK_LIST_ITEM, 2, "L2");
	check_block(doc, 4, ENCLAVE_BLOCK_TABLE, 0, "a\tb\tb");
	assert_int_equal(doc->nblocks, 5);
	enclave_doc_free(doc);
}

/* ODS: each table a sheet; repeated rows expanded, empty trailing ones dropped. */
static void test_ods(void **state)
{
	const char *e[] = {
		"mimetype", "application/vnd.oasis.opendocument.spreadsheet", "content.xml",
		"<office:document-content " ODFNS "><office:body><office:spreadsheet>"
		"<table:table table:name=\"Data\"><table:table-row "
		"table:number-rows-repeated=\"2\"><table:table-cell><text:p>r</text:p></"
		"table:table-cell></table:table-row>"
		"<table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell "
		"table:number-columns-repeated=\"16384\"/></table:table-row></table:table>"
		"</office:spreadsheet></office:body></office:document-content>",
		NULL
	};
	struct enclave_doc *doc = parse(mkzip(e, 0), "ods");

	(void)state;
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "Data");
	check_block(doc, 1, ENCLAVE_BLOCK_TABLE, 0, "r\nr");
	assert_int_equal(doc->nblocks, 2);
	enclave_doc_free(doc);
}

/* ODS rows padded with many empty repeated columns cost no cells. */
static void test_ods_trailing_columns(void **state)
{
	struct buf c = BUF_INIT((size_t)4 << 20);
	const char *e[] = { "mimetype", "application/vnd.oasis.opendocument.spreadsheet",
		            "content.xml", NULL, NULL };
	struct enclave_doc *doc;
	int i;

	(void)state;
	assert_int_equal(buf_puts(&c, "<office:document-content " ODFNS "><office:body>"
	                              "<office:spreadsheet><table:table table:name=\"S\">"),
	                 0);
	for (i = 0; i < 2000; i++)
		assert_int_equal(buf_puts(&c,
		                          "<table:table-row><table:table-cell><text:p>x</text:p>"
		                          "</table:table-cell><table:table-cell "
		                          "table:number-columns-repeated=\"1000\"/>"
		                          "</table:table-row>"),
		                 0);
	assert_int_equal(buf_puts(&c, "</table:table></office:spreadsheet></office:body>"
	                              "</office:document-content>"),
	                 0);
	e[3] = c.ptr;
	doc = parse(mkzip(e, 0), "ods");
	assert_int_equal(doc->nblocks, 2);
	assert_int_equal(doc->blocks[1].kind, ENCLAVE_BLOCK_TABLE);
	assert_int_equal(doc->blocks[1].length, 2000 * 2 - 1);
	enclave_doc_free(doc);
	buf_release(&c);
}

/* ODP: a page per slide, the title frame a heading. */
static void test_odp(void **state)
{
	const char *e[] = { "mimetype", "application/vnd.oasis.opendocument.presentation",
		            "content.xml",
		            "<office:document-content " ODFNS "><office:body><office:presentation>"
		            "<draw:page draw:name=\"p1\"><draw:frame "
		            "presentation:class=\"title\"><draw:text-box><text:p>Slide "
		            "A</text:p></draw:text-box></draw:frame>"
		            "<draw:frame><draw:text-box><text:p>Words</text:p></draw:text-box></"
		            "draw:frame></draw:page>"
		            "<draw:page draw:name=\"p2\"><draw:frame "
		            "presentation:class=\"title\"><draw:text-box><text:p>Slide "
		            "B</text:p></draw:text-box></draw:frame></draw:page>"
		            "</office:presentation></office:body></office:document-content>",
		            NULL };
	struct enclave_doc *doc = parse(mkzip(e, 0), "odp");

	(void)state;
	assert_int_equal(doc->npages, 2);
	check_block(doc, 0, ENCLAVE_BLOCK_HEADING, 1, "Slide A");
	check_block(doc, 1, ENCLAVE_BLOCK_PARAGRAPH, 0, "Words");
	check_block(doc, 2, ENCLAVE_BLOCK_HEADING, 1, "Slide B");
	assert_int_equal(doc->blocks[2].page, 2);
	enclave_doc_free(doc);
}

/* An encrypted ODF package is ENCLAVE_EENCRYPTED. */
static void test_odf_encrypted(void **state)
{
	const char *e[] = { "mimetype",
		            "application/vnd.oasis.opendocument.text",
		            "META-INF/manifest.xml",
		            "<manifest:manifest "
		            "xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
		            "<manifest:file-entry "
		            "manifest:full-path=\"content.xml\"><manifest:encryption-data/></"
		            "manifest:file-entry></manifest:manifest>",
		            "content.xml",
		            "garbage",
		            NULL };
	int rc;
	struct enclave_doc *doc = parse_rc(mkzip(e, 0), "odt", &rc);

	(void)state;
	assert_int_equal(rc, ENCLAVE_EENCRYPTED);
	assert_string_equal(enclave_error_last(), "encrypted");
	enclave_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_none),
		cmocka_unit_test(test_docx_body),
		cmocka_unit_test(test_docx_hidden_data),
		cmocka_unit_test(test_docx_xxe),
		cmocka_unit_test(test_docx_deep),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_docx_truncated),
		cmocka_unit_test(test_xlsx),
		cmocka_unit_test(test_xlsx_1904),
		cmocka_unit_test(test_xlsx_cell_cap),
		cmocka_unit_test(test_pptx),
		cmocka_unit_test(test_odt),
		cmocka_unit_test(test_ods),
		cmocka_unit_test(test_ods_trailing_columns),
		cmocka_unit_test(test_odp),
		cmocka_unit_test(test_odf_encrypted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
