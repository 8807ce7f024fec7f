/* exchange.c: building and freeing decoded HTTP messages (RFC 9110 fields). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exchange.h"

int hs_set_str(char **dst, const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (!p)
		return -ENOMEM;
	/* a NUL would cut the string short and hide what follows it: as a recipient may
	 * (RFC 9110 5.5), it becomes SP; the decoders mark such a message invalid */
	for (size_t i = 0; i < len; i++)
		p[i] = s[i] ? s[i] : ' ';
	p[len] = '\0';
	free(*dst);
	*dst = p;
	return 0;
}

int hs_message_add_header(struct hs_message *m, const struct hs_limits *lim, int trailer,
			  const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct hs_header **arr = trailer ? &m->trailers : &m->headers;
	uint32_t *n = trailer ? &m->ntrailers : &m->nheaders;
	struct hs_header *h, *grown;

	if (*n >= lim->max_headers) {
		m->flags |= HS_MSG_HDRS_CUT;
		return 0;
	}
	/* grow by doubling: 4, 8, 16, ... up to max_headers */
	if ((*n & (*n - 1)) == 0 && (*n == 0 || *n >= 4)) {
		size_t cap = *n ? *n * 2 : 4;

		grown = realloc(*arr, cap * sizeof(**arr));
		if (!grown)
			return -ENOMEM;
		*arr = grown;
	}
	/* name and value share one allocation, owned by name */
	h = &(*arr)[*n];
	memset(h, 0, sizeof(*h));
	h->name = malloc(nlen + vlen + 2);
	if (!h->name)
		return -ENOMEM;
	memcpy(h->name, name, nlen);
	h->name[nlen] = '\0';
	h->value = h->name + nlen + 1;
	memcpy(h->value, value, vlen);
	h->value[vlen] = '\0';
	h->name_len = nlen;
	h->value_len = vlen;
	(*n)++;
	return 0;
}

const struct hs_header *hs_message_header(const struct hs_message *m, const char *name)
{
	for (uint32_t i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			return &m->headers[i];
	return NULL;
}

void hs_message_add_body(struct hs_message *m, const struct hs_limits *lim,
			 const uint8_t *data, size_t len, int captured)
{
	size_t room = lim->max_body > m->body_kept ? lim->max_body - m->body_kept : 0;
	size_t take = len < room ? len : room;

	/* body[] is the body's start: nothing after bytes not kept (a gap) joins it */
	if (m->body_kept < m->body_size)
		take = 0;
	m->body_size += len;
	if (!captured) {
		m->flags |= HS_MSG_GAP;
		take = 0;
	}
	if (take) {
		uint8_t *grown = realloc(m->body, m->body_kept + take);

		if (grown) {
			memcpy(grown + m->body_kept, data, take);
			m->body = grown;
			m->body_kept += take;
		}
	}
	if (m->body_kept < m->body_size)
		m->flags |= HS_MSG_TRUNCATED;
}

static void free_headers(struct hs_header *h, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

static void message_free(struct hs_message *m)
{
	free(m->method);
	free(m->target);
	free(m->authority);
	free(m->reason);
	free_headers(m->headers, m->nheaders);
	free_headers(m->trailers, m->ntrailers);
	free(m->body);
	for (uint32_t i = 0; i < m->ninterim; i++)
		message_free(&m->interim[i]);
	free(m->interim);
}

void hs_message_reset(struct hs_message *m)
{
	message_free(m);
	memset(m, 0, sizeof(*m));
}

int hs_message_add_interim(struct hs_message *m, struct hs_message *im)
{
	struct hs_message *grown;

	if (m->ninterim >= HS_MAX_INTERIM) {
		hs_message_reset(im);
		return 0;
	}
	grown = realloc(m->interim, (m->ninterim + 1) * sizeof(*grown));
	if (!grown) {
		hs_message_reset(im);
		return -ENOMEM;
	}
	m->interim = grown;
	m->interim[m->ninterim++] = *im;
	memset(im, 0, sizeof(*im));
	return 0;
}

void hs_exchange_free(struct hs_exchange *ex)
{
	message_free(&ex->req);
	message_free(&ex->resp);
}
