/*
 * Test OLE compound file fixtures (legacy Word, Excel, PowerPoint and
 * Outlook files), written with libgsf's OLE writer (gsf_outfile_msole) into
 * memory. Shared by the mkole tool (tests/tools/mkole.c) and the OLE unit
 * test (tests/unit/test_ole.c). Header only: every function is static.
 *
 * The streams inside are built by hand, minimal but valid for the records
 * the readers use. The kinds:
 *
 *   doc             Word 97: a FIB, a "1Table" stream whose CLX holds two
 *                   pieces (8-bit "compressed" text, then UTF-16LE text):
 *                   "Quarterly report", "Alice Martin wrote to
 *                   alice@example.com.", "Zoë says " + a HYPERLINK field
 *                   whose result is "see the site" + " now.", a table row
 *                   "Name | Phone", a row "Bob | 555-0100", then the footnote
 *                   story "A footnote by Carol."; SummaryInformation: title
 *                   "Quarterly report", author "Alice Martin"
 *   doc-encrypted   the same FIB with fEncrypted set
 *   xls             BIFF8 "Workbook": sheets "People" (LABELSST, LABEL,
 *                   NUMBER, RK, MULRK, a string FORMULA with its STRING, a
 *                   BOOLERR) and "Notes" (one LABELSST); the SST holds four
 *                   strings, the third ("Zoë Quinn", wide) split by a
 *                   CONTINUE record in the middle of its characters
 *   xls-encrypted   a FILEPASS record after the first BOF
 *   ppt             "Current User" and "PowerPoint Document": a Document
 *                   with a SlideListWithText (title "Budget 2024", body
 *                   "First point" / "Second point" as a TextBytesAtom), a
 *                   MainMaster holding "Click to edit Master title style"
 *                   (to be skipped), and a Notes container for slide 256 with
 *                   "Speaker note for Bob"
 *   ppt-encrypted   the Current User header token of an encrypted file
 *   msg             an Outlook message: subject "Meeting notes", sender
 *                   "Alice Martin" <alice@example.com>, recipients Bob Stone
 *                   <bob@example.com> (to) and Carol Diaz
 *                   <carol@example.com> (cc), delivery time
 *                   2024-03-01T09:30:00Z, message id <m1@example.com>, the
 *                   body "Hello Bob," / "The call is at 10.", an attachment
 *                   notes.txt ("Attached notes: call Dave at 555-0199.") and
 *                   an embedded message "Inner message" (body "Inner body
 *                   text from Erin.")
 *   msg-rtf         a message whose body is only compressed RTF (LZFu)
 *   msg-smime       a message of class IPM.Note.SMIME (encrypted)
 *   encrypted-package   "EncryptionInfo" and "EncryptedPackage" streams (a
 *                   password-protected OOXML file)
 *   other           an OLE file with a single stream "Contents"
 */
#ifndef ENCLAVE_MKOLE_LIB_H
#define ENCLAVE_MKOLE_LIB_H

#include <gsf/gsf-doc-meta-data.h>
#include <gsf/gsf-meta-names.h>
#include <gsf/gsf-msole-utils.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>
#include <gsf/gsf-utils.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MKOLE_FN static __attribute__((unused))

/* A growable byte string (aborts on allocation failure: a test tool). */
struct mk {
	unsigned char *p;
	size_t n, cap;
};

MKOLE_FN void mk_put(struct mk *b, const void *data, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		if (!(b->p = realloc(b->p, b->cap)))
			abort();
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
}

MKOLE_FN void mk_u8(struct mk *b, unsigned v)
{
	unsigned char c = (unsigned char)v;
	mk_put(b, &c, 1);
}

MKOLE_FN void mk_u16(struct mk *b, unsigned v)
{
	mk_u8(b, v & 0xff);
	mk_u8(b, (v >> 8) & 0xff);
}

MKOLE_FN void mk_u32(struct mk *b, uint32_t v)
{
	mk_u16(b, v & 0xffff);
	mk_u16(b, v >> 16);
}

MKOLE_FN void mk_set32(struct mk *b, size_t at, uint32_t v)
{
	b->p[at] = v & 0xff;
	b->p[at + 1] = (v >> 8) & 0xff;
	b->p[at + 2] = (v >> 16) & 0xff;
	b->p[at + 3] = v >> 24;
}

MKOLE_FN void mk_zeros(struct mk *b, size_t n)
{
	while (n--)
		mk_u8(b, 0);
}

/* UTF-8 (up to three-byte sequences) as UTF-16LE; returns the units written. */
MKOLE_FN size_t mk_utf16(struct mk *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t units = 0;

	while (*p) {
		unsigned c = *p++;
		if (c >= 0xe0 && p[0] && p[1]) {
			c = (c & 0x0f) << 12 | (p[0] & 0x3f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if (c >= 0xc0 && p[0]) {
			c = (c & 0x1f) << 6 | (p[0] & 0x3f);
			p++;
		}
		mk_u16(b, c);
		units++;
	}
	return units;
}

/* Add stream `name` holding `n` bytes to `dir`. */
MKOLE_FN void mk_stream(GsfOutfile *dir, const char *name, const void *data, size_t n)
{
	GsfOutput *o = gsf_outfile_new_child(dir, name, FALSE);

	if (!o)
		abort();
	if (n)
		gsf_output_write(o, n, data);
	gsf_output_close(o);
	g_object_unref(o);
}

/* A UTF-16LE string property stream "__substg1.0_IIII001F". */
MKOLE_FN void mk_prop_str(GsfOutfile *dir, unsigned id, const char *s)
{
	struct mk b = { 0 };
	char name[32];

	mk_utf16(&b, s);
	mk_u16(&b, 0);
	snprintf(name, sizeof(name), "__substg1.0_%04X001F", id);
	mk_stream(dir, name, b.p, b.n);
	free(b.p);
}

/* ------------------------------------------------------------------ */
/* Word                                                               */
/* ------------------------------------------------------------------ */

/* SummaryInformation with a title and an author. */
MKOLE_FN void mk_summary(GsfOutfile *root, const char *title, const char *author)
{
	GsfDocMetaData *meta = gsf_doc_meta_data_new();
	GsfOutput *o = gsf_outfile_new_child(root, "\005SummaryInformation", FALSE);
	GValue *v;

	v = g_new0(GValue, 1);
	g_value_init(v, G_TYPE_STRING);
	g_value_set_string(v, title);
	gsf_doc_meta_data_insert(meta, g_strdup(GSF_META_NAME_TITLE), v);
	v = g_new0(GValue, 1);
	g_value_init(v, G_TYPE_STRING);
	g_value_set_string(v, author);
	gsf_doc_meta_data_insert(meta, g_strdup(GSF_META_NAME_CREATOR), v);
	gsf_doc_meta_data_write_to_msole(meta, o, FALSE);
	gsf_output_close(o);
	g_object_unref(o);
	g_object_unref(meta);
}

MKOLE_FN void mk_doc(GsfOutfile *root, int encrypted)
{
	static const char piece1[] = "Quarterly report\rAlice Martin wrote to alice@example.com.\r";
	static const char piece2_main[] =
	    "Zo\xc3\xab says \x13 HYPERLINK \"http://example.com\" \x14see the site\x15 now.\r"
	    "Name\x07Phone\x07\x07"
	    "Bob\x07"
	    "555-0100\x07\x07\r";
	static const char footnote[] = "A footnote by Carol.\r";
	struct mk wd = { 0 }, tbl = { 0 }, p2 = { 0 };
	size_t n1 = strlen(piece1), n2main, n2, fc1 = 1024, fc2;
	uint32_t ccptext;

	n2main = mk_utf16(&p2, piece2_main);
	n2 = n2main + mk_utf16(&p2, footnote);
	mk_utf16(&p2, "\r"); /* the document's final paragraph mark */
	n2++;
	ccptext = (uint32_t)(n1 + n2main);

	/* FibBase */
	mk_u16(&wd, 0xa5ec);
	mk_u16(&wd, 0x00c1);
	mk_u16(&wd, 0);
	mk_u16(&wd, 0x0409);
	mk_u16(&wd, 0);
	mk_u16(&wd, 0x0200 | 0x0004 | (encrypted ? 0x0100 : 0));
	mk_u16(&wd, 0x00bf);
	mk_u32(&wd, 0);
	mk_zeros(&wd, 32 - wd.n);
	/* fibRgW */
	mk_u16(&wd, 14);
	mk_zeros(&wd, 28);
	/* fibRgLw: cbMac, 2 reserved, ccpText, ccpFtn, ... */
	mk_u16(&wd, 22);
	mk_u32(&wd, 0);
	mk_u32(&wd, 0);
	mk_u32(&wd, 0);
	mk_u32(&wd, ccptext);
	mk_u32(&wd, (uint32_t)strlen(footnote));
	mk_zeros(&wd, 17 * 4);
	/* fibRgFcLcb97: fcClx/lcbClx is pair 33 */
	mk_u16(&wd, 0x5d);
	{
		size_t base = wd.n;
		mk_zeros(&wd, 0x5d * 8);
		mk_set32(&wd, base + 33 * 8, 0);
		mk_set32(&wd, base + 33 * 8 + 4, 5 + 4 * 3 + 8 * 2);
	}
	mk_u16(&wd, 0);
	mk_zeros(&wd, fc1 - wd.n);
	mk_put(&wd, piece1, n1);
	if (wd.n & 1)
		mk_u8(&wd, 0);
	fc2 = wd.n;
	mk_put(&wd, p2.p, p2.n);
	mk_set32(&wd, 0x40, (uint32_t)wd.n);

	/* The CLX: a Pcdt with two pieces. */
	mk_u8(&tbl, 0x02);
	mk_u32(&tbl, 4 * 3 + 8 * 2);
	mk_u32(&tbl, 0);
	mk_u32(&tbl, (uint32_t)n1);
	mk_u32(&tbl, (uint32_t)(n1 + n2));
	mk_u16(&tbl, 0);
	mk_u32(&tbl, (uint32_t)(fc1 * 2) | 0x40000000u);
	mk_u16(&tbl, 0);
	mk_u16(&tbl, 0);
	mk_u32(&tbl, (uint32_t)fc2);
	mk_u16(&tbl, 0);

	mk_stream(root, "WordDocument", wd.p, wd.n);
	mk_stream(root, "1Table", tbl.p, tbl.n);
	mk_summary(root, "Quarterly report", "Alice Martin");
	free(wd.p);
	free(tbl.p);
	free(p2.p);
}

/* ------------------------------------------------------------------ */
/* Excel                                                              */
/* ------------------------------------------------------------------ */

/* Append a BIFF record of `n` bytes. */
MKOLE_FN void mk_rec(struct mk *b, unsigned type, const struct mk *data)
{
	mk_u16(b, type);
	mk_u16(b, (unsigned)data->n);
	if (data->n)
		mk_put(b, data->p, data->n);
}

/* A cell record's row, column and XF. */
MKOLE_FN void mk_cell(struct mk *r, unsigned row, unsigned col)
{
	mk_u16(r, row);
	mk_u16(r, col);
	mk_u16(r, 15);
}

MKOLE_FN void mk_bof(struct mk *b, unsigned dt)
{
	struct mk r = { 0 };

	mk_u16(&r, 0x0600);
	mk_u16(&r, dt);
	mk_zeros(&r, 12);
	mk_rec(b, 0x0809, &r);
	free(r.p);
}

MKOLE_FN void mk_eof(struct mk *b)
{
	struct mk r = { 0 };

	mk_rec(b, 0x000a, &r);
}

/* A BOUNDSHEET; returns where its lbPlyPos is, to patch. */
MKOLE_FN size_t mk_boundsheet(struct mk *b, const char *name)
{
	struct mk r = { 0 };
	size_t at = b->n + 4;

	mk_u32(&r, 0);
	mk_u16(&r, 0);
	mk_u8(&r, (unsigned)strlen(name));
	mk_u8(&r, 0);
	mk_put(&r, name, strlen(name));
	mk_rec(b, 0x0085, &r);
	free(r.p);
	return at;
}

MKOLE_FN void mk_xls(GsfOutfile *root, int encrypted)
{
	struct mk b = { 0 }, r = { 0 }, c = { 0 };
	size_t sheet1, sheet2;
	double num = 1234.5;
	uint64_t bits;

	mk_bof(&b, 0x0005);
	if (encrypted) {
		mk_zeros(&r, 54);
		mk_rec(&b, 0x002f, &r);
		r.n = 0;
	}
	sheet1 = mk_boundsheet(&b, "People");
	sheet2 = mk_boundsheet(&b, "Notes");
	/* SST: "Name", "Phone", "Zoë Quinn" (wide, split), "Private note" */
	mk_u32(&r, 4);
	mk_u32(&r, 4);
	mk_u16(&r, 4);
	mk_u8(&r, 0);
	mk_put(&r, "Name", 4);
	mk_u16(&r, 5);
	mk_u8(&r, 0);
	mk_put(&r, "Phone", 5);
	mk_u16(&r, 9);
	mk_u8(&r, 1);
	mk_utf16(&r, "Zo\xc3\xab ");
	mk_rec(&b, 0x00fc, &r);
	r.n = 0;
	/* CONTINUE: a flags byte (8-bit now), the rest, the fourth string */
	mk_u8(&c, 0);
	mk_put(&c, "Quinn", 5);
	mk_u16(&c, 12);
	mk_u8(&c, 0);
	mk_put(&c, "Private note", 12);
	mk_rec(&b, 0x003c, &c);
	c.n = 0;
	mk_eof(&b);

	/* Sheet 1 */
	mk_set32(&b, sheet1, (uint32_t)b.n);
	mk_bof(&b, 0x0010);
	mk_cell(&r, 0, 0), mk_u32(&r, 0), mk_rec(&b, 0x00fd, &r), r.n = 0; /* Name */
	mk_cell(&r, 0, 1), mk_u32(&r, 1), mk_rec(&b, 0x00fd, &r), r.n = 0; /* Phone */
	mk_cell(&r, 1, 0), mk_u32(&r, 2), mk_rec(&b, 0x00fd, &r), r.n = 0; /* Zoë Quinn */
	mk_cell(&r, 1, 1), mk_u16(&r, 8), mk_u8(&r, 0), mk_put(&r, "555-0142", 8);
	mk_rec(&b, 0x0204, &r), r.n = 0; /* LABEL */
	memcpy(&bits, &num, sizeof(bits));
	mk_cell(&r, 2, 0), mk_u32(&r, (uint32_t)bits), mk_u32(&r, (uint32_t)(bits >> 32));
	mk_rec(&b, 0x0203, &r), r.n = 0; /* NUMBER 1234.5 */
	mk_cell(&r, 2, 1), mk_u32(&r, (42u << 2) | 2), mk_rec(&b, 0x027e, &r), r.n = 0; /* RK 42 */
	/* MULRK row 3, columns 0-1: 7 and 3.14 (int 314 / 100) */
	mk_u16(&r, 3), mk_u16(&r, 0);
	mk_u16(&r, 15), mk_u32(&r, (7u << 2) | 2);
	mk_u16(&r, 15), mk_u32(&r, (314u << 2) | 3);
	mk_u16(&r, 1), mk_rec(&b, 0x00bd, &r), r.n = 0;
	/* FORMULA with a string result, then STRING */
	mk_cell(&r, 4, 0), mk_u8(&r, 0), mk_zeros(&r, 5), mk_u16(&r, 0xffff), mk_u16(&r, 0);
	mk_u32(&r, 0), mk_u16(&r, 0), mk_rec(&b, 0x0006, &r), r.n = 0;
	mk_u16(&r, 11), mk_u8(&r, 0), mk_put(&r, "from a calc", 11), mk_rec(&b, 0x0207, &r),
	    r.n = 0;
	mk_cell(&r, 4, 1), mk_u8(&r, 1), mk_u8(&r, 0), mk_rec(&b, 0x0205, &r), r.n = 0; /* TRUE */
	mk_eof(&b);

	/* Sheet 2 */
	mk_set32(&b, sheet2, (uint32_t)b.n);
	mk_bof(&b, 0x0010);
	mk_cell(&r, 0, 0), mk_u32(&r, 3), mk_rec(&b, 0x00fd, &r), r.n = 0;
	mk_eof(&b);

	mk_stream(root, "Workbook", b.p, b.n);
	mk_summary(root, "People list", "Alice Martin");
	free(b.p);
	free(r.p);
	free(c.p);
}

/* ------------------------------------------------------------------ */
/* PowerPoint                                                         */
/* ------------------------------------------------------------------ */

/* A record header; returns where its length is, to patch for containers. */
MKOLE_FN size_t mk_ppt_rec(struct mk *b, unsigned ver_inst, unsigned type, uint32_t len)
{
	size_t at;

	mk_u16(b, ver_inst);
	mk_u16(b, type);
	at = b->n;
	mk_u32(b, len);
	return at;
}

MKOLE_FN void mk_ppt_chars(struct mk *b, unsigned text_type, const char *s)
{
	struct mk t = { 0 };

	mk_ppt_rec(b, 0, 0x0f9f, 4);
	mk_u32(b, text_type);
	mk_utf16(&t, s);
	mk_ppt_rec(b, 0, 0x0fa0, (uint32_t)t.n);
	mk_put(b, t.p, t.n);
	free(t.p);
}

MKOLE_FN void mk_ppt(GsfOutfile *root, int encrypted)
{
	struct mk b = { 0 }, cu = { 0 };
	size_t doc, slwt, master, notes;
	static const char bytes[] = "First point\rSecond point";

	doc = mk_ppt_rec(&b, 0x000f, 0x03e8, 0);
	slwt = mk_ppt_rec(&b, 0x000f, 0x0ff0, 0);
	mk_ppt_rec(&b, 0, 0x03f3, 20);
	mk_zeros(&b, 20);
	mk_ppt_chars(&b, 0, "Budget 2024");
	mk_ppt_rec(&b, 0, 0x0f9f, 4);
	mk_u32(&b, 1);
	mk_ppt_rec(&b, 0, 0x0fa8, (uint32_t)strlen(bytes));
	mk_put(&b, bytes, strlen(bytes));
	mk_set32(&b, slwt, (uint32_t)(b.n - slwt - 4));
	mk_set32(&b, doc, (uint32_t)(b.n - doc - 4));
	master = mk_ppt_rec(&b, 0x000f, 0x03f8, 0);
	mk_ppt_chars(&b, 0, "Click to edit Master title style");
	mk_set32(&b, master, (uint32_t)(b.n - master - 4));
	notes = mk_ppt_rec(&b, 0x000f, 0x03f0, 0);
	mk_ppt_rec(&b, 0x0001, 0x03f1, 8);
	mk_u32(&b, 256);
	mk_u32(&b, 0);
	mk_ppt_chars(&b, 2, "Speaker note for Bob");
	mk_set32(&b, notes, (uint32_t)(b.n - notes - 4));

	mk_ppt_rec(&cu, 0, 0x0ff6, 20);
	mk_u32(&cu, 20);
	mk_u32(&cu, encrypted ? 0xf3d1c4dfu : 0xe391c05fu);
	mk_zeros(&cu, 16);
	mk_stream(root, "Current User", cu.p, cu.n);
	mk_stream(root, "PowerPoint Document", b.p, b.n);
	free(b.p);
	free(cu.p);
}

/* ------------------------------------------------------------------ */
/* Outlook                                                            */
/* ------------------------------------------------------------------ */

/* A property entry of a __properties_version1.0 stream. */
MKOLE_FN void mk_fixed(struct mk *b, uint32_t tag, uint64_t value)
{
	mk_u32(b, tag);
	mk_u32(b, 6);
	mk_u32(b, (uint32_t)value);
	mk_u32(b, (uint32_t)(value >> 32));
}

/* A recipient storage. */
MKOLE_FN void mk_recip(GsfOutfile *root, int i, unsigned type, const char *name, const char *addr)
{
	char sn[40];
	GsfOutput *d;
	struct mk p = { 0 };

	snprintf(sn, sizeof(sn), "__recip_version1.0_#%08X", i);
	d = gsf_outfile_new_child(root, sn, TRUE);
	mk_zeros(&p, 8);
	mk_fixed(&p, 0x0c150003, type);
	mk_stream(GSF_OUTFILE(d), "__properties_version1.0", p.p, p.n);
	mk_prop_str(GSF_OUTFILE(d), 0x3001, name);
	mk_prop_str(GSF_OUTFILE(d), 0x39fe, addr);
	gsf_output_close(d);
	g_object_unref(d);
	free(p.p);
}

/* A minimal LZFu stream of `s`: literals only, then the end marker. */
MKOLE_FN void mk_lzfu(struct mk *b, const char *s)
{
	struct mk body = { 0 };
	size_t n = strlen(s), i = 0, w = 207;

	while (i < n) {
		size_t k;
		mk_u8(&body, 0); /* eight literals follow (or fewer, then the end) */
		for (k = 0; k < 8 && i < n; k++, i++, w++)
			mk_u8(&body, (unsigned char)s[i]);
		if (k < 8) {
			body.p[body.n - k - 1] = (unsigned char)(1u << k);
			mk_u8(&body, (unsigned)((w & 0xfff) >> 4));
			mk_u8(&body, (unsigned)((w & 0xf) << 4));
			break;
		}
	}
	if (i == n && n % 8 == 0) {
		mk_u8(&body, 1);
		mk_u8(&body, (unsigned)((w & 0xfff) >> 4));
		mk_u8(&body, (unsigned)((w & 0xf) << 4));
	}
	mk_u32(b, (uint32_t)(body.n + 12));
	mk_u32(b, (uint32_t)n);
	mk_u32(b, 0x75465a4c);
	mk_u32(b, 0);
	mk_put(b, body.p, body.n);
	free(body.p);
}

/* The properties of a message (`header` bytes: 32 top level, 24 embedded). */
MKOLE_FN void mk_msg_props(GsfOutfile *dir, size_t header)
{
	struct mk p = { 0 };

	mk_zeros(&p, header);
	/* 2024-03-01T09:30:00Z as FILETIME */
	mk_fixed(&p, 0x0e060040, (uint64_t)(1709285400ull + 11644473600ull) * 10000000ull);
	mk_fixed(&p, 0x3ffd0003, 1252);
	mk_stream(dir, "__properties_version1.0", p.p, p.n);
	free(p.p);
}

MKOLE_FN void mk_msg(GsfOutfile *root, const char *variant)
{
	GsfOutput *a, *e;
	struct mk r = { 0 };
	static const char att[] = "Attached notes: call Dave at 555-0199.\n";

	mk_msg_props(root, 32);
	mk_prop_str(root, 0x001a, !strcmp(variant, "smime") ? "IPM.Note.SMIME" : "IPM.Note");
	mk_prop_str(root, 0x0037, "Meeting notes");
	mk_prop_str(root, 0x0c1a, "Alice Martin");
	mk_prop_str(root, 0x0c1f, "/O=EXAMPLE/OU=FIRST/CN=RECIPIENTS/CN=ALICE");
	mk_prop_str(root, 0x5d01, "alice@example.com");
	mk_prop_str(root, 0x0e04, "Bob Stone");
	mk_prop_str(root, 0x1035, "<m1@example.com>");
	if (!strcmp(variant, "rtf")) {
		mk_lzfu(&r, "{\\rtf1\\ansi Hello Bob, the RTF body.\\par}");
		mk_stream(root, "__substg1.0_10090102", r.p, r.n);
		free(r.p);
		return;
	}
	mk_prop_str(root, 0x1000, "Hello Bob,\r\n\r\nThe call is at 10.\r\n");
	mk_recip(root, 0, 1, "Bob Stone", "bob@example.com");
	mk_recip(root, 1, 2, "Carol Diaz", "carol@example.com");

	a = gsf_outfile_new_child(root, "__attach_version1.0_#00000000", TRUE);
	mk_zeros(&r, 8);
	mk_stream(GSF_OUTFILE(a), "__properties_version1.0", r.p, r.n);
	mk_prop_str(GSF_OUTFILE(a), 0x3707, "notes.txt");
	mk_stream(GSF_OUTFILE(a), "__substg1.0_37010102", att, strlen(att));
	gsf_output_close(a);
	g_object_unref(a);

	a = gsf_outfile_new_child(root, "__attach_version1.0_#00000001", TRUE);
	mk_stream(GSF_OUTFILE(a), "__properties_version1.0", r.p, r.n);
	mk_prop_str(GSF_OUTFILE(a), 0x3001, "Inner message");
	e = gsf_outfile_new_child(GSF_OUTFILE(a), "__substg1.0_3701000D", TRUE);
	mk_msg_props(GSF_OUTFILE(e), 24);
	mk_prop_str(GSF_OUTFILE(e), 0x0037, "Inner message");
	mk_prop_str(GSF_OUTFILE(e), 0x1000, "Inner body text from Erin.");
	gsf_output_close(e);
	g_object_unref(e);
	gsf_output_close(a);
	g_object_unref(a);
	free(r.p);
}

/* ------------------------------------------------------------------ */
/* Entry point                                                        */
/* ------------------------------------------------------------------ */

/*
 * Build the fixture `kind` into *out (malloc'd, *len bytes). Returns 0, or
 * -1 for an unknown kind.
 */
MKOLE_FN int mkole_build(unsigned char **out, size_t *len, const char *kind)
{
	GsfOutput *mem;
	GsfOutfile *root;
	const guint8 *bytes;

	*out = NULL;
	*len = 0;
	gsf_init();
	mem = gsf_output_memory_new();
	root = gsf_outfile_msole_new(mem);
	if (!strcmp(kind, "doc") || !strcmp(kind, "doc-encrypted")) {
		mk_doc(root, !strcmp(kind, "doc-encrypted"));
	} else if (!strcmp(kind, "xls") || !strcmp(kind, "xls-encrypted")) {
		mk_xls(root, !strcmp(kind, "xls-encrypted"));
	} else if (!strcmp(kind, "ppt") || !strcmp(kind, "ppt-encrypted")) {
		mk_ppt(root, !strcmp(kind, "ppt-encrypted"));
	} else if (!strcmp(kind, "msg")) {
		mk_msg(root, "");
	} else if (!strcmp(kind, "msg-rtf")) {
		mk_msg(root, "rtf");
	} else if (!strcmp(kind, "msg-smime")) {
		mk_msg(root, "smime");
	} else if (!strcmp(kind, "encrypted-package")) {
		static const unsigned char junk[600] = { 4, 0, 4, 0, 0x40 };
		mk_stream(root, "EncryptionInfo", junk, 200);
		mk_stream(root, "EncryptedPackage", junk, sizeof(junk));
	} else if (!strcmp(kind, "other")) {
		static const char text[] = "not a format anybody reads";
		mk_stream(root, "Contents", text, sizeof(text));
	} else {
		gsf_output_close(GSF_OUTPUT(root));
		g_object_unref(root);
		g_object_unref(mem);
		return -1;
	}
	gsf_output_close(GSF_OUTPUT(root));
	g_object_unref(root);
	bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));
	*len = (size_t)gsf_output_size(mem);
	if (!(*out = malloc(*len ? *len : 1)))
		abort();
	memcpy(*out, bytes, *len);
	g_object_unref(mem); /* closed with the outfile */
	return 0;
}

#endif
