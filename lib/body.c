/* body.c: body helpers: gzip/deflate/zstd decoding (RFC 1950/1951/1952, RFC 8878), text
 * detection, UTF-8 validation (RFC 3629) and base64 (RFC 4648). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#include "body.h"

static int token_is(const char *p, size_t n, const char *tok)
{
	return strlen(tok) == n && strncasecmp(p, tok, n) == 0;
}

enum hs_body_enc hs_body_encoding(const char *value, size_t len)
{
	size_t b = 0, e = len;

	if (!value)
		return HS_ENC_IDENTITY;
	while (b < e && (value[b] == ' ' || value[b] == '\t'))
		b++;
	while (e > b && (value[e - 1] == ' ' || value[e - 1] == '\t'))
		e--;
	if (b == e || token_is(value + b, e - b, "identity"))
		return HS_ENC_IDENTITY;
	if (token_is(value + b, e - b, "gzip") || token_is(value + b, e - b, "x-gzip"))
		return HS_ENC_GZIP;
	if (token_is(value + b, e - b, "deflate"))
		return HS_ENC_DEFLATE;
	if (token_is(value + b, e - b, "zstd"))
		return HS_ENC_ZSTD;
	return HS_ENC_OTHER;
}

/* zlib window bits for the stream at in: gzip, zlib-wrapped deflate, or raw deflate. */
static int window_bits(const uint8_t *in, size_t n)
{
	if (n >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		return 15 + 16;
	if (n >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && ((in[0] << 8) | in[1]) % 31 == 0)
		return 15;
	return -15;
}

/* Doubles *buf towards max_out; 0, or -ENOMEM. */
static int grow_out(uint8_t **buf, size_t *cap, size_t max_out)
{
	size_t ncap = *cap < max_out / 2 ? *cap * 2 : max_out;
	uint8_t *grown = realloc(*buf, ncap);

	if (!grown)
		return -ENOMEM;
	*buf = grown;
	*cap = ncap;
	return 0;
}

#define ZSTD_WINDOW_LOG_MAX 23		/* 8 MiB */

static int unzstd(const uint8_t *in, size_t n, size_t max_out, uint8_t **out, size_t *outlen,
		  unsigned *flags)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t cap = max_out < 4096 ? max_out : 4096, len = 0, r;
	uint8_t *buf = malloc(cap);
	int ret = 0;

	if (!z || !buf ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX))) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		ZSTD_outBuffer ob = { buf, cap, len };
		size_t was = ib.pos + len;

		r = ZSTD_decompressStream(z, &ob, &ib);
		len = ob.pos;
		if (ZSTD_isError(r)) {
			*flags |= HS_BODY_BAD;
			break;
		}
		if (r == 0 && ib.pos == ib.size) {
			*flags |= HS_BODY_END;	/* the last frame ended with the input */
			break;
		}
		if (len == cap) {
			if (cap >= max_out) {
				*flags |= HS_BODY_CUT;
				break;
			}
			ret = grow_out(&buf, &cap, max_out);
			if (ret)
				goto cleanup;
		} else if (ib.pos == ib.size || ib.pos + len == was) {
			break;		/* input ended early (a cut body): keep the output */
		}
	}
	if (len == 0 && !(*flags & HS_BODY_END)) {
		ret = -EBADMSG;
		goto cleanup;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
cleanup:
	ZSTD_freeDStream(z);
	free(buf);
	return ret;
}

int hs_body_decode(enum hs_body_enc enc, const uint8_t *in, size_t n, size_t max_out,
		   uint8_t **out, size_t *outlen, unsigned *flags)
{
	z_stream z;
	uint8_t *buf;
	size_t cap = max_out < 4096 ? max_out : 4096, len = 0;
	int zr, ret = 0;

	*out = NULL;
	*outlen = 0;
	*flags = 0;
	if (max_out == 0)
		return -EINVAL;
	if (enc == HS_ENC_ZSTD)
		return unzstd(in, n, max_out, out, outlen, flags);
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, window_bits(in, n)) != Z_OK)
		return -ENOMEM;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
	for (;;) {
		z.next_out = buf + len;
		z.avail_out = cap - len;
		zr = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (zr == Z_STREAM_END) {
			/* a gzip body may hold several members (RFC 1952 2.2), each to be decoded
			 * in turn, as gzip -d and browsers do */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b &&
			    enc == HS_ENC_GZIP && inflateReset(&z) == Z_OK)
				continue;
			*flags |= HS_BODY_END;
			break;
		}
		if (zr == Z_MEM_ERROR) {
			ret = -ENOMEM;
			goto cleanup;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			*flags |= HS_BODY_BAD;
			break;
		}
		if (z.avail_out != 0)
			break;		/* input ended early (a cut body): keep the output */
		if (cap >= max_out) {
			*flags |= HS_BODY_CUT;
			break;
		}
		ret = grow_out(&buf, &cap, max_out);
		if (ret)
			goto cleanup;
	}
	if (len == 0 && !(*flags & HS_BODY_END)) {
		ret = -EBADMSG;
		goto cleanup;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
cleanup:
	inflateEnd(&z);
	free(buf);
	return ret;
}

int hs_utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return -EILSEQ;
	}
	for (i = 1; i < len; i++) {
		if (i >= n)
			break;
		if ((p[i] & 0xc0) != 0x80)
			return -EILSEQ;
		c = (c << 6) | (p[i] & 0x3f);
		/* reject overlong, surrogate and too-large forms as early as the 2nd byte */
		if (i == 1 && ((len == 3 && p[0] == 0xe0 && p[1] < 0xa0) ||
			       (len == 3 && p[0] == 0xed && p[1] > 0x9f) ||
			       (len == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
			       (len == 4 && p[0] == 0xf4 && p[1] > 0x8f)))
			return -EILSEQ;
	}
	if (i < len)
		return -EAGAIN;
	if (c < min)
		return -EILSEQ;
	*cp = c;
	return (int)len;
}

int hs_utf8_valid(const uint8_t *p, size_t n)
{
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		int r = hs_utf8_next(p + i, n - i, &cp);

		if (r < 0)
			return 0;
		i += r;
	}
	return 1;
}

size_t hs_utf8_trim(const uint8_t *p, size_t n)
{
	uint32_t cp;

	/* a sequence is at most 4 bytes: look at the last 3 lead-byte candidates */
	for (size_t k = 1; k <= 3 && k <= n; k++) {
		uint8_t c = p[n - k];

		if ((c & 0xc0) == 0x80)
			continue;	/* continuation byte: look further back */
		if (c >= 0xc0 && hs_utf8_next(p + n - k, k, &cp) == -EAGAIN)
			return n - k;
		break;
	}
	return n;
}

static int ctype_is_text(const char *ct)
{
	static const char *const kinds[] = {
		"json", "xml", "javascript", "ecmascript", "x-www-form-urlencoded", "graphql",
	};

	if (!ct)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "text/", 5) == 0)
		return 1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcasestr(ct, kinds[i]))
			return 1;
	return 0;
}

int hs_body_is_text(const uint8_t *p, size_t n, const char *content_type)
{
	uint32_t cp;

	if (ctype_is_text(content_type))
		return 1;
	for (size_t i = 0; i < n;) {
		int r = hs_utf8_next(p + i, n - i, &cp);

		if (r < 0)
			return 0;
		if ((cp < 0x20 && cp != '\t' && cp != '\r' && cp != '\n') ||
		    (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += r;
	}
	return 1;
}

void hs_base64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		*out++ = tab[v >> 18];
		*out++ = tab[(v >> 12) & 63];
		*out++ = tab[(v >> 6) & 63];
		*out++ = '=';
	}
	*out = '\0';
}
