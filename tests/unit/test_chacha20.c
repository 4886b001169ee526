/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for lib/chacha20: the RFC 8439 block and cipher test vectors, in-place rekeying, chunked keystreams. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/chacha20.h"
#include "tests/unit/check.h"

/* Parses hex digits into out, skipping spaces; returns the byte count. */
static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1) {
			fprintf(stderr, "bad hex in test vector: %.8s\n", s);
			exit(2);
		}
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

#define CHECK_BYTES(got, want, n)					\
	do {								\
		check_count++;						\
		if (memcmp((got), (want), (n)) != 0) {			\
			check_failures++;				\
			fprintf(stderr, "%s:%d: bytes differ: %s\n",	\
				__FILE__, __LINE__, #got);		\
			dump(got, n);					\
		}							\
	} while (0)

static void dump(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%02x%s", p[i], i % 16 == 15 || i + 1 == n ? "\n" : " ");
}

static uint8_t key_seq[32];

/* RFC 8439 §2.4 encryption: the keystream XORed into the text, in place. Returns the next counter. */
static uint32_t encrypt(const uint8_t *key, uint32_t counter, const uint8_t *nonce, uint8_t *text, size_t n)
{
	uint8_t *ks = malloc(n ? n : 1);
	uint32_t next = chacha20_keystream(key, counter, nonce, ks, n);

	for (size_t i = 0; i < n; i++)
		text[i] ^= ks[i];
	free(ks);
	return next;
}		/* 00:01:...:1f, the key of RFC 8439 §2.3.2 and §2.4.2 */

/* RFC 8439 §2.3.2: block counter 1, nonce 00:00:00:09:00:00:00:4a:00:00:00:00. */
static void block_vector(void)
{
	uint8_t nonce[12], want[64], out[64];

	unhex("000000090000004a00000000", nonce);
	unhex("10f1e7e4d13b5915500fdd1fa32071c4 c7d1f4c733c068030422aa9ac3d46c4e"
	      "d2826446079faa0914c2d705d98b02a2 b5129cd1de164eb9cbd083e8a2503c4e", want);
	memset(out, 0xa5, sizeof(out));
	chacha20_block(key_seq, 1, nonce, out);
	CHECK_BYTES(out, want, 64);
}

/* RFC 8439 Appendix A.1, test vectors 1 and 5: all-zero key, counter 0, nonce 0 and ...02. */
static void appendix_blocks(void)
{
	uint8_t key[32] = { 0 }, nonce[12] = { 0 }, want[64], out[64];

	unhex("76b8e0ada0f13d90405d6ae55386bd28 bdd219b8a08ded1aa836efcc8b770dc7"
	      "da41597c5157488d7724e03fb8d84a37 6a43b8f41518a11cc387b669b2ee6586", want);
	chacha20_block(key, 0, nonce, out);
	CHECK_BYTES(out, want, 64);

	nonce[11] = 2;
	unhex("c2c64d378cd536374ae204b9ef933fcd 1a8b2288b3dfa49672ab765b54ee27c7"
	      "8a970e0e955c14f3a88e741b97c286f7 5f8fc299e8148362fa198a39531bed6d", want);
	chacha20_block(key, 0, nonce, out);
	CHECK_BYTES(out, want, 64);
}

static const char sunscreen[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
	"the future, sunscreen would be it.";

/* RFC 8439 §2.4.2: 114 bytes from counter 1, nonce 00:00:00:00:00:00:00:4a:00:00:00:00. */
static void cipher_vector(void)
{
	uint8_t nonce[12], want[114], text[114];
	uint32_t next;

	CHECK_EQ(strlen(sunscreen), 114);
	unhex("000000000000004a00000000", nonce);
	unhex("6e2e359a2568f98041ba0728dd0d6981 e97e7aec1d4360c20a27afccfd9fae0b"
	      "f91b65c5524733ab8f593dabcd62b357 1639d624e65152ab8f530c359f0861d8"
	      "07ca0dbf500d6a6156a38e088a22b65e 52bc514d16ccf806818ce91ab7793736"
	      "5af90bbf74a35be6b40b8eedf2785e42 874d", want);
	memcpy(text, sunscreen, sizeof(text));
	next = encrypt(key_seq, 1, nonce, text, sizeof(text));
	CHECK_BYTES(text, want, sizeof(want));
	CHECK_EQ(next, 3);		/* two blocks used, the second partly */
	/* Decryption is the same operation. */
	encrypt(key_seq, 1, nonce, text, sizeof(text));
	CHECK_BYTES(text, (const uint8_t *)sunscreen, sizeof(text));
}

/* RFC 8439 Appendix A.2, test vector 3: 127 bytes from counter 42. */
static void appendix_cipher(void)
{
	uint8_t key[32], nonce[12], text[127], want[127];
	uint32_t next;

	unhex("1c9240a5eb55d38af333888604f6b5f0 473917c1402b80099dca5cbc207075c0", key);
	unhex("000000000000000000000002", nonce);
	unhex("2754776173206272696c6c69672c2061 6e642074686520736c6974687920746f"
	      "7665730a446964206779726520616e64 2067696d626c6520696e207468652077"
	      "6162653a0a416c6c206d696d73792077 6572652074686520626f726f676f7665"
	      "732c0a416e6420746865206d6f6d6520 7261746873206f757467726162652e", text);
	unhex("62e6347f95ed87a45ffae7426f27a1df 5fb69110044c0d73118effa95b01e5cf"
	      "166d3df2d721caf9b21e5fb14c616871 fd84c54f9d65b283196c7fe4f60553eb"
	      "f39c6402c42234e32a356b3e764312a6 1a5532055716ead6962568f87d3f3f77"
	      "04c6a8d1bcd1bf4d50d6154b6da731b1 87b58dfd728afa36757a797ac188d1", want);
	next = encrypt(key, 42, nonce, text, sizeof(text));
	CHECK_BYTES(text, want, sizeof(want));
	CHECK_EQ(next, 44);
}

/* The kernel's generator rekeys in place: out overlapping key must give the same block. */
static void in_place(void)
{
	uint8_t nonce[12] = { 0 }, ref[64], st[64];

	memcpy(st, key_seq, 32);
	memset(st + 32, 0x5a, 32);
	chacha20_block(key_seq, 7, nonce, ref);
	chacha20_block(st, 7, nonce, st);
	CHECK_BYTES(st, ref, 64);
}

/* A keystream taken in whole-block pieces, passing the returned counter on, equals one long one. */
static void chunked(void)
{
	static uint8_t whole[1000], parts[1000];
	uint8_t nonce[12] = { 1, 2, 3 };
	uint32_t ctr = 5;
	size_t off = 0, sizes[] = { 64, 128, 0, 192, 64, 512, 40 };

	chacha20_keystream(key_seq, 5, nonce, whole, sizeof(whole));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		ctr = chacha20_keystream(key_seq, ctr, nonce, parts + off, sizes[i]);
		off += sizes[i];
	}
	CHECK_EQ(off, sizeof(whole));
	CHECK_EQ(ctr, 5 + 16);		/* 15 whole blocks and one partial */
	CHECK_BYTES(parts, whole, sizeof(whole));
	/* Zero length: nothing written, counter unchanged. */
	CHECK_EQ(chacha20_keystream(key_seq, 9, nonce, NULL, 0), 9);
	/* The counter wraps (the caller's business), it does not trap. */
	CHECK_EQ(chacha20_keystream(key_seq, 0xffffffffu, nonce, parts, 128), 1);
}

static void wipe(void)
{
	uint8_t b[40];

	memset(b, 0xff, sizeof(b));
	chacha20_wipe(b + 3, 30);
	CHECK(b[2] == 0xff && b[33] == 0xff);
	for (int i = 3; i < 33; i++)
		CHECK_EQ(b[i], 0);
}

int main(void)
{
	for (int i = 0; i < 32; i++)
		key_seq[i] = (uint8_t)i;
	block_vector();
	appendix_blocks();
	cipher_vector();
	appendix_cipher();
	in_place();
	chunked();
	wipe();
	return check_done("chacha20");
}
