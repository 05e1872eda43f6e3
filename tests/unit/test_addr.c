/* test_addr.c: peer address parsing and printing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <uv.h>

#include "net/addr.h"
#include "net/reach.h"

static void
round_trip(const char *in, const char *out)
{
	struct sockaddr_storage	 ss;
	const char		*why = NULL;
	char			 buf[64];

	assert_int_equal(addr_parse(in, &ss, &why), 0);
	assert_int_equal(addr_format((struct sockaddr *)&ss, buf, sizeof buf),
	    0);
	assert_string_equal(buf, out);
}

static void
test_parses_ipv4_and_ipv6_with_port(void **state)
{
	(void)state;
	round_trip("127.0.0.1:8097", "127.0.0.1:8097");
	round_trip("[::1]:9001", "[::1]:9001");
	round_trip("[fe80::1]:1", "[fe80::1]:1");
}

static void
test_rejects_bad_addresses_with_a_reason(void **state)
{
	static const char *bad[] = {
		"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:80x", ":80", "::1:80", "[::1]80", "[::1:80",
		"1.2.3:80", "localhost:80", "",
	};
	struct sockaddr_storage	 ss;
	const char		*why;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(addr_parse(bad[i], &ss, &why), UV_EINVAL);
		assert_non_null(why);
	}
}

static void
test_splits_host_names_for_resolving(void **state)
{
	char		 host[ADDR_HOSTLEN];
	const char	*why;
	int		 port;

	(void)state;
	assert_int_equal(addr_split("localhost:8097", host, sizeof host, &port,
	    &why), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 8097);
}

static void
test_parse_port_bounds(void **state)
{
	int	 port;

	(void)state;
	assert_int_equal(addr_parse_port("0", &port), 0);
	assert_int_equal(addr_parse_port("65535", &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(addr_parse_port("65536", &port), UV_EINVAL);
	assert_int_equal(addr_parse_port("-1", &port), UV_EINVAL);
	assert_int_equal(addr_parse_port("", &port), UV_EINVAL);
	assert_int_equal(addr_parse_port("12a", &port), UV_EINVAL);
}

static void
test_normalize_turns_v4_mapped_into_v4(void **state)
{
	struct sockaddr_storage	 ss, v4;
	const char		*why;
	char			 buf[64];

	(void)state;
	assert_int_equal(addr_parse("[::ffff:127.0.0.1]:5000", &ss, &why), 0);
	addr_normalize(&ss);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(addr_format((struct sockaddr *)&ss, buf, sizeof buf),
	    0);
	assert_string_equal(buf, "127.0.0.1:5000");
	assert_int_equal(addr_parse("127.0.0.1:5000", &v4, &why), 0);
	assert_true(addr_equal((struct sockaddr *)&ss, (struct sockaddr *)&v4));
}

static enum reach_kind
kind_of(const char *text)
{
	struct sockaddr_storage	 ss;
	const char		*why;

	assert_int_equal(addr_parse(text, &ss, &why), 0);
	return reach_classify((struct sockaddr *)&ss);
}

static void
test_classifies_where_an_address_reaches(void **state)
{
	(void)state;
	assert_int_equal(kind_of("[200:1234::1]:8097"), REACH_YGGDRASIL);
	assert_int_equal(kind_of("[300:1234::1]:8097"), REACH_YGGDRASIL);
	assert_int_equal(kind_of("[2001:db8::1]:1"), REACH_PUBLIC);
	assert_int_equal(kind_of("[fd00::2]:1"), REACH_PRIVATE);
	assert_int_equal(kind_of("[::1]:1"), REACH_LOOPBACK);
	assert_int_equal(kind_of("127.0.0.2:1"), REACH_LOOPBACK);
	assert_int_equal(kind_of("10.1.2.3:1"), REACH_PRIVATE);
	assert_int_equal(kind_of("172.31.0.1:1"), REACH_PRIVATE);
	assert_int_equal(kind_of("172.32.0.1:1"), REACH_PUBLIC);
	assert_int_equal(kind_of("192.168.0.1:1"), REACH_PRIVATE);
	assert_int_equal(kind_of("100.64.0.1:1"), REACH_PRIVATE);
	assert_int_equal(kind_of("8.8.8.8:1"), REACH_PUBLIC);
	assert_string_equal(reach_kind_name(REACH_YGGDRASIL), "yggdrasil");
}

static void
test_a_bound_address_is_the_only_one_listed(void **state)
{
	struct sockaddr_storage	 ss;
	struct ev_addr		 out[4];
	const char		*why;

	(void)state;
	assert_int_equal(addr_parse("[::1]:8097", &ss, &why), 0);
	assert_int_equal(reach_list((struct sockaddr *)&ss, 0, out, 4), 1);
	assert_string_equal(out[0].addr, "[::1]:8097");
	assert_string_equal(out[0].kind, "loopback");
	/* A wildcard lists the interfaces, never a wildcard itself. */
	assert_int_equal(addr_parse("0.0.0.0:8097", &ss, &why), 0);
	assert_true(reach_list((struct sockaddr *)&ss, 0, out, 4) >= 1);
	assert_true(strncmp(out[0].addr, "0.0.0.0", 7) != 0);
	assert_true(strchr(out[0].addr, '[') == NULL);	/* IPv4 only */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses_ipv4_and_ipv6_with_port),
		cmocka_unit_test(test_rejects_bad_addresses_with_a_reason),
		cmocka_unit_test(test_splits_host_names_for_resolving),
		cmocka_unit_test(test_parse_port_bounds),
		cmocka_unit_test(test_normalize_turns_v4_mapped_into_v4),
		cmocka_unit_test(test_classifies_where_an_address_reaches),
		cmocka_unit_test(test_a_bound_address_is_the_only_one_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
