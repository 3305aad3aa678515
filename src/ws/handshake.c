/* The opening handshake's checks and its key proof, SHA-1 and base64 by
 * OpenSSL's libcrypto. */
#include "ws/handshake.h"

#include "http/request.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#define NONCE_LEN 16
#define SHA1_LEN 20

/* RFC 6455 1.3: appended to the key, so that only a WebSocket server answers */
static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
#define GUID_LEN (sizeof(ws_guid) - 1)

int ws_handshake_check(const struct http_request *r)
{
	/* 4.2.1: a GET of HTTP/1.1 or later (the parser refuses later ones) */
	if (r->method != HTTP_GET || r->version != 11)
		return 400;
	if (!r->upgrade_websocket || !r->connection_upgrade)
		return 400;
	/* 4.4: a version the server does not speak is answered with the one it
	 * does, so that the client may retry */
	if (r->ws_version != WS_VERSION)
		return 426;
	if (r->ws_keys != 1 || !ws_key_valid(r->ws_key, r->ws_key_len))
		return 400;
	return 0;
}

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int ws_key_valid(const char *key, size_t len)
{
	if (len != WS_KEY_LEN || key[22] != '=' || key[23] != '=')
		return 0;
	for (int i = 0; i < 22; i++)
		if (base64_value(key[i]) < 0)
			return 0;
	/* 16 bytes take 21 characters and 2 bits of the 22nd; its other 4 bits
	 * must be 0, or this is not how 16 bytes encode (RFC 4648 3.5) */
	return (base64_value(key[21]) & 0x0f) == 0;
}

int ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1])
{
	unsigned char in[WS_KEY_LEN + GUID_LEN];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (!ws_key_valid(key, key_len))
		return -EINVAL;
	memcpy(in, key, WS_KEY_LEN);
	memcpy(in + WS_KEY_LEN, ws_guid, GUID_LEN);
	if (EVP_Digest(in, sizeof(in), md, &md_len, EVP_sha1(), NULL) != 1 || md_len != SHA1_LEN)
		return -EIO;
	if (EVP_EncodeBlock((unsigned char *)out, md, SHA1_LEN) != WS_ACCEPT_LEN)
		return -EIO;
	return 0;
}

int ws_client_key(const uint8_t nonce[16], char out[WS_KEY_LEN + 1])
{
	if (EVP_EncodeBlock((unsigned char *)out, nonce, NONCE_LEN) != WS_KEY_LEN)
		return -EIO;
	return 0;
}

int ws_accept_matches(const char *key, size_t key_len, const char *accept, size_t accept_len)
{
	char want[WS_ACCEPT_LEN + 1];

	if (ws_accept_key(key, key_len, want) < 0)
		return 0;
	return accept_len == WS_ACCEPT_LEN && memcmp(accept, want, WS_ACCEPT_LEN) == 0;
}
