/* SPDX-License-Identifier: MIT */
/*
 * xmlwalk's foreign code: libxml2's SAX parser and its callbacks. The
 * callbacks copy names, attributes and text into managed memory with
 * cgomal_cgo_allocate and hand the copies to managed code with
 * cgomal_cgocallback. The independent count with xmlTextReader is here
 * too, and it uses malloc only.
 *
 * Everything here runs inside cgomal_cgocall, where the collector neither
 * scans these frames nor waits for this thread. Between a copy and the
 * callback that stores it in the tree, the copy's only pointer is in a
 * foreign frame; the runtime's cgomal list is what keeps it alive.
 *
 * Foreign code writes into a copy only right after allocating it, before
 * the next allocation, so it never writes into memory that a collection
 * freed (which it may, with CGOMAL_DEBUG=cgomaltrack=0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cgomal/cgomal.h>
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include "xmlwalk.h"

/* Options of both parsers. XML_PARSE_DTDATTR makes xmlTextReader report the
 * attribute defaults that a DTD declares, as SAX2 does without it (seen with
 * libxml2 2.9.14 on the MIME database's freedesktop.org.xml). It also lets
 * libxml2 load an external DTD from a local file, and NONET keeps it off the
 * network. */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_DTDATTR)

/* Foreign state of one SAX parse, on the foreign stack. */
struct sax_state {
	struct parse_job *job;
	xmlParserCtxtPtr ctxt;
	int fd;
	int read_errno; /* errno of a failed read, 0 if none */
	/* Attributes of the current element, collected before their array
	 * is copied into managed memory. Owned, from malloc. */
	struct attribute *scratch;
	size_t scratch_cap;
};

static void message_set(char *message, const char *format, ...)
        __attribute__((format(printf, 2, 3)));

static void message_set(char *message, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(message, ERROR_MESSAGE_MAX, format, ap);
	va_end(ap);
}

/* The GNU strerror_r, because workers report errors concurrently and
 * strerror may use a static buffer. */
static const char *errno_text(int err, char *buffer, size_t size)
{
	return strerror_r(err, buffer, size);
}

/* Record the first failure of the parse and stop the parser. */
static void parse_fail(struct sax_state *st, const char *format, ...)
        __attribute__((format(printf, 2, 3)));

static void parse_fail(struct sax_state *st, const char *format, ...)
{
	va_list ap;

	if (st->job->failed)
		return;
	st->job->failed = 1;
	va_start(ap, format);
	vsnprintf(st->job->message, sizeof(st->job->message), format, ap);
	va_end(ap);
	if (st->ctxt != NULL)
		xmlStopParser(st->ctxt);
}

/* ---- Copies into managed memory ---- */

/* In attribute values, libxml2's SAX2 interface passes every '&' as the
 * character reference "&#38;" unless entities are substituted (libxml2
 * 2.9, parser.c), so that a tree builder can parse the value again. A
 * literal "&#38;" cannot occur there, because '&' must be escaped. */
static const char amp_reference[] = "&#38;";
#define AMP_REFERENCE_LEN (sizeof(amp_reference) - 1)

/*
 * Copy the len bytes at src, then the len2 bytes at src2, into one managed
 * object with a NUL after them; with decode_amp, "&#38;" becomes '&'.
 * Returns 0, or -1 after recording the failure.
 */
static int copy_string(struct sax_state *st, const xmlChar *src, size_t len, const xmlChar *src2,
                       size_t len2, int decode_amp, struct string_ref *out)
{
	size_t total = len + len2;
	char *copy;
	size_t n = 0;

	if (total >= UINT32_MAX) {
		parse_fail(st,
		           "%s: a name or text of %zu bytes is longer than xmlwalk supports "
		           "(4 GiB)",
		           st->job->path, total);
		return -1;
	}
	copy = cgomal_cgo_allocate(total + 1);
	if (copy == NULL) {
		parse_fail(st, "%s: out of managed memory copying %zu bytes", st->job->path,
		           total + 1);
		return -1;
	}
	if (len > 0)
		memcpy(copy, src, len);
	n = len;
	for (size_t i = 0; i < len2; i++) {
		if (decode_amp && src2[i] == '&' && len2 - i >= AMP_REFERENCE_LEN &&
		    memcmp(src2 + i, amp_reference, AMP_REFERENCE_LEN) == 0) {
			copy[n++] = '&';
			i += AMP_REFERENCE_LEN - 1;
		} else {
			copy[n++] = (char)src2[i];
		}
	}
	copy[n] = '\0';
	out->bytes = copy;
	out->len = (uint32_t)n;
	out->hash = fnv_add(FNV_OFFSET_BASIS, copy, n);
	return 0;
}

/* Copy the qualified name prefix:localname (localname alone without a
 * prefix), the form xmlTextReaderConstName returns. */
static int copy_qname(struct sax_state *st, const xmlChar *prefix, const xmlChar *localname,
                      struct string_ref *out)
{
	char *joined;
	size_t prefix_len;
	int ret;

	if (prefix == NULL)
		return copy_string(st, localname, strlen((const char *)localname), NULL, 0, 0, out);
	prefix_len = strlen((const char *)prefix);
	joined = malloc(prefix_len + 2);
	if (joined == NULL) {
		parse_fail(st, "%s: out of memory", st->job->path);
		return -1;
	}
	memcpy(joined, prefix, prefix_len);
	joined[prefix_len] = ':';
	joined[prefix_len + 1] = '\0';
	ret = copy_string(st, (const xmlChar *)joined, prefix_len + 1, localname,
	                  strlen((const char *)localname), 0, out);
	free(joined);
	return ret;
}

static int scratch_reserve(struct sax_state *st, size_t count)
{
	struct attribute *grown;

	if (count <= st->scratch_cap)
		return 0;
	grown = realloc(st->scratch, count * sizeof(*grown));
	if (grown == NULL) {
		parse_fail(st, "%s: out of memory for %zu attributes", st->job->path, count);
		return -1;
	}
	st->scratch = grown;
	st->scratch_cap = count;
	return 0;
}

/* Report a managed callback that ran out of memory as the parse's failure. */
static void callback_check(struct sax_state *st)
{
	if (st->job->builder->out_of_memory)
		parse_fail(st, "%s: out of managed memory building the tree", st->job->path);
}

/* ---- SAX callbacks ---- */

/* libxml2's SAX2 defaults, which this parser keeps for DTDs, take the
 * parser context as their user data, so the state hangs off it. */
static struct sax_state *sax_state_of(void *ctx)
{
	return ((xmlParserCtxtPtr)ctx)->_private;
}

static void sax_element_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                              const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                              int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	struct sax_state *st = sax_state_of(ctx);
	struct element_event ev = {.builder = st->job->builder};
	size_t count = (size_t)nb_attributes;

	(void)uri, (void)nb_namespaces, (void)namespaces, (void)nb_defaulted;
	if (st->job->failed)
		return;
	if (copy_qname(st, prefix, localname, &ev.name) != 0 || scratch_reserve(st, count) != 0)
		return;
	/* Five pointers per attribute: localname, prefix, URI, value start
	 * and value end (the value is not NUL-terminated). */
	for (size_t i = 0; i < count; i++) {
		const xmlChar **a = attributes + 5 * i;

		if (copy_qname(st, a[1], a[0], &st->scratch[i].name) != 0 ||
		    copy_string(st, NULL, 0, a[3], (size_t)(a[4] - a[3]), 1,
		                &st->scratch[i].value) != 0)
			return;
	}
	if (count > 0) {
		ev.attributes = cgomal_cgo_allocate(count * sizeof(struct attribute));
		if (ev.attributes == NULL) {
			parse_fail(st, "%s: out of managed memory for %zu attributes",
			           st->job->path, count);
			return;
		}
		memcpy(ev.attributes, st->scratch, count * sizeof(struct attribute));
	}
	ev.nattributes = (uint32_t)count;
	cgomal_cgocallback(managed_element_start, &ev);
	callback_check(st);
}

static void sax_element_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                            const xmlChar *uri)
{
	struct sax_state *st = sax_state_of(ctx);

	(void)localname, (void)prefix, (void)uri;
	if (st->job->failed)
		return;
	cgomal_cgocallback(managed_element_end, st->job->builder);
}

static void sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct sax_state *st = sax_state_of(ctx);
	struct text_event ev = {.builder = st->job->builder};

	if (st->job->failed || len <= 0)
		return;
	if (copy_string(st, ch, (size_t)len, NULL, 0, 0, &ev.text) != 0)
		return;
	cgomal_cgocallback(managed_text, &ev);
	callback_check(st);
}

/* A reference to an entity that a DTD declares. Without substitution,
 * libxml2 delivers its content once at most, which would make the tree
 * differ from the reader's count, so such documents are rejected. */
static void sax_reference(void *ctx, const xmlChar *name)
{
	struct sax_state *st = sax_state_of(ctx);

	parse_fail(st,
	           "%s: the document references the entity &%s;, and xmlwalk does not "
	           "expand entities that a DTD declares",
	           st->job->path, (const char *)name);
}

static void sax_error(void *ctx, xmlErrorPtr error)
{
	struct sax_state *st = sax_state_of(ctx);
	size_t len;
	char message[ERROR_MESSAGE_MAX];

	if (error->level < XML_ERR_ERROR)
		return;
	snprintf(message, sizeof(message), "%s", error->message ? error->message : "unknown error");
	len = strlen(message);
	while (len > 0 && message[len - 1] == '\n')
		message[--len] = '\0';
	parse_fail(st, "%s:%d: malformed XML: %s (libxml2)", st->job->path, error->line, message);
}

static int sax_read(void *ctx, char *buffer, int len)
{
	struct sax_state *st = ctx;
	ssize_t n;

	do {
		n = read(st->fd, buffer, (size_t)len);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		st->read_errno = errno;
		return -1;
	}
	return (int)n;
}

/* Start from libxml2's SAX2 defaults (they keep the DTD and entity tables
 * the parser needs) and replace what builds a tree. */
static void sax_handler_init(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof(*sax));
	xmlSAXVersion(sax, 2);
	sax->startElementNs = sax_element_start;
	sax->endElementNs = sax_element_end;
	sax->characters = sax_text;
	sax->ignorableWhitespace = sax_text;
	sax->cdataBlock = sax_text;
	sax->reference = sax_reference;
	sax->comment = NULL;
	sax->processingInstruction = NULL;
	sax->warning = NULL;
	sax->error = NULL;
	sax->fatalError = NULL;
	sax->serror = sax_error;
}

void foreign_parse_file(void *arg)
{
	struct parse_job *job = arg;
	struct sax_state st = {.job = job, .fd = -1};
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	char err_text[128];

	st.fd = open(job->path, O_RDONLY | O_CLOEXEC);
	if (st.fd < 0) {
		parse_fail(&st, "cannot open %s: %s", job->path,
		           errno_text(errno, err_text, sizeof(err_text)));
		return;
	}
	sax_handler_init(&sax);
	ctxt = xmlCreateIOParserCtxt(&sax, NULL, sax_read, NULL, &st, XML_CHAR_ENCODING_NONE);
	if (ctxt == NULL) {
		parse_fail(&st, "%s: libxml2 could not create a parser (out of memory)", job->path);
		goto out_close;
	}
	st.ctxt = ctxt;
	ctxt->_private = &st;
	xmlCtxtUseOptions(ctxt, PARSE_OPTIONS);
	xmlParseDocument(ctxt);
	if (st.read_errno != 0) {
		/* Replace libxml2's generic I/O message with the cause. */
		job->failed = 1;
		message_set(job->message, "cannot read %s: %s", job->path,
		            errno_text(st.read_errno, err_text, sizeof(err_text)));
	} else if (!ctxt->wellFormed) {
		parse_fail(&st, "%s: malformed XML (libxml2 gave no message)", job->path);
	}
	if (ctxt->myDoc != NULL)
		xmlFreeDoc(ctxt->myDoc);
	xmlFreeParserCtxt(ctxt);
out_close:
	close(st.fd);
	free(st.scratch);
}

/* ---- The independent count ---- */

static void reader_error(void *ctx, xmlErrorPtr error)
{
	struct reader_job *job = ctx;
	char *end;

	if (error->level < XML_ERR_ERROR || job->failed)
		return;
	job->failed = 1;
	message_set(job->message, "%s:%d: xmlTextReader: %s", job->path, error->line,
	            error->message ? error->message : "unknown error");
	end = job->message + strlen(job->message);
	while (end > job->message && end[-1] == '\n')
		*--end = '\0';
}

static uint64_t hash_name(uint64_t hash, unsigned char marker, const xmlChar *name)
{
	hash = fnv_add_byte(hash, marker);
	hash = fnv_add(hash, name, strlen((const char *)name));
	return fnv_add_byte(hash, MARK_END_NAME);
}

/* Add the element the reader is on, with its attributes, to *count. */
static void reader_element(xmlTextReaderPtr reader, struct doc_count *count)
{
	int empty = xmlTextReaderIsEmptyElement(reader);

	count->elements++;
	count->checksum = hash_name(count->checksum, MARK_START, xmlTextReaderConstName(reader));
	/* Namespace declarations are not attributes to SAX2, so not here either. */
	while (xmlTextReaderMoveToNextAttribute(reader) == 1) {
		const xmlChar *value;

		if (xmlTextReaderIsNamespaceDecl(reader) == 1)
			continue;
		value = xmlTextReaderConstValue(reader);
		count->attributes++;
		count->checksum =
		        hash_name(count->checksum, MARK_ATTRIBUTE, xmlTextReaderConstName(reader));
		count->checksum =
		        fnv_add(count->checksum, value, value ? strlen((const char *)value) : 0);
		count->checksum = fnv_add_byte(count->checksum, MARK_END_NAME);
	}
	if (empty == 1)
		count->checksum = fnv_add_byte(count->checksum, MARK_END_ELEMENT);
}

void foreign_reader_count(void *arg)
{
	struct reader_job *job = arg;
	struct doc_count *count = &job->count;
	xmlTextReaderPtr reader;
	int ret;

	memset(count, 0, sizeof(*count));
	count->checksum = FNV_OFFSET_BASIS;
	reader = xmlReaderForFile(job->path, NULL, PARSE_OPTIONS);
	if (reader == NULL) {
		job->failed = 1;
		message_set(job->message, "%s: xmlTextReader could not open the file", job->path);
		return;
	}
	xmlTextReaderSetStructuredErrorHandler(reader, reader_error, job);
	while ((ret = xmlTextReaderRead(reader)) == 1) {
		const xmlChar *value;
		size_t len;

		switch (xmlTextReaderNodeType(reader)) {
		case XML_READER_TYPE_ELEMENT:
			reader_element(reader, count);
			break;
		case XML_READER_TYPE_END_ELEMENT:
			count->checksum = fnv_add_byte(count->checksum, MARK_END_ELEMENT);
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			value = xmlTextReaderConstValue(reader);
			len = value ? strlen((const char *)value) : 0;
			count->text_bytes += len;
			count->checksum = fnv_add(count->checksum, value, len);
			break;
		default:
			break;
		}
	}
	if (ret < 0 && !job->failed) {
		job->failed = 1;
		message_set(job->message, "%s: xmlTextReader failed without a message", job->path);
	}
	xmlFreeTextReader(reader);
}
