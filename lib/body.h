/* body.h: body helpers for output: Content-Encoding gzip/deflate/zstd (RFC 9110 8.4.1,
 * RFC 1950/1951/1952, RFC 8878), text detection, UTF-8 validation (RFC 3629), base64
 * (RFC 4648). */
#ifndef HS_BODY_H
#define HS_BODY_H

#include <stddef.h>
#include <stdint.h>

enum hs_body_enc {
	HS_ENC_IDENTITY = 0,		/* no Content-Encoding (or "identity") */
	HS_ENC_GZIP,			/* gzip, x-gzip */
	HS_ENC_DEFLATE,			/* deflate: zlib-wrapped or raw */
	HS_ENC_ZSTD,			/* zstd (RFC 8878) */
	HS_ENC_OTHER,			/* br, compress, lists...: not decoded */
};

/* Classify a Content-Encoding value (NULL: none). */
enum hs_body_enc hs_body_encoding(const char *value, size_t len);

enum hs_body_flag {
	HS_BODY_END = 1 << 0,		/* the compressed stream ended */
	HS_BODY_CUT = 1 << 1,		/* output stopped at max_out */
	HS_BODY_BAD = 1 << 2,		/* corrupt data after some output (gap, truncation) */
};

/* Decode n bytes of a body in encoding enc into a new buffer of at most max_out bytes:
 * gzip and deflate as a gzip, zlib or raw deflate stream (told apart by their headers, as
 * servers mislabel them), zstd as zstd frames (windows above 8 MiB refused: a peer must not
 * make us allocate more). Input that ends early is normal (the body was cut): what was
 * decoded is returned. On success *out (free it) and *outlen are set, *flags gets enum
 * hs_body_flag. Returns 0, -EBADMSG when nothing could be decoded, -ENOMEM. */
int hs_body_decode(enum hs_body_enc enc, const uint8_t *in, size_t n, size_t max_out,
		   uint8_t **out, size_t *outlen, unsigned *flags);

/* 1 when the body reads as text: content_type (may be NULL) is a text/ type, JSON, XML,
 * JavaScript or form data, or the bytes are valid UTF-8 without control characters
 * other than \t \r \n. */
int hs_body_is_text(const uint8_t *p, size_t n, const char *content_type);

/* One UTF-8 sequence at p: its length (1-4) and *cp, -EILSEQ when p[0] does not start a
 * valid sequence (overlong, surrogate, > U+10FFFF, bad continuation), -EAGAIN when the
 * n bytes are a valid but incomplete prefix. n must be > 0. */
int hs_utf8_next(const uint8_t *p, size_t n, uint32_t *cp);
/* 1 when p[0..n) is valid UTF-8. */
int hs_utf8_valid(const uint8_t *p, size_t n);
/* n without a trailing incomplete UTF-8 sequence (a body cut in mid-character). */
size_t hs_utf8_trim(const uint8_t *p, size_t n);

/* Characters hs_base64_encode writes for n bytes (without the NUL). */
static inline size_t hs_base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}
/* Standard alphabet with padding; out needs hs_base64_len(n) + 1 bytes (NUL-terminated). */
void hs_base64_encode(const uint8_t *in, size_t n, char *out);

#endif
