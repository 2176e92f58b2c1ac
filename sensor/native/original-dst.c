/*
 * original-dst: the original destination of a connection that iptables REDIRECTed (or DNATed) to
 * this host, read with getsockopt(SO_ORIGINAL_DST) for IPv4 (also IPv4-mapped sockets of a
 * dual-stack listener) and IP6T_SO_ORIGINAL_DST for IPv6. Node has no getsockopt, so this is a
 * minimal Node-API addon: one function, originalDestination(fd) → { address, port } | null
 * (null: the connection was not NATed, so the kernel has no original destination for it).
 * Plain C against Node-API only (ABI-stable): one build works for every Node version.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <node_api.h>

#ifndef SOL_IP
#define SOL_IP 0
#endif
#ifndef SOL_IPV6
#define SOL_IPV6 41
#endif
/* linux/netfilter_ipv4.h and linux/netfilter_ipv6/ip6_tables.h: both are 80 */
#define SO_ORIGINAL_DST 80
#define IP6T_SO_ORIGINAL_DST 80

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char code[32];
  char message[160];
  const char *name = err == EBADF      ? "EBADF"
                     : err == ENOTSOCK ? "ENOTSOCK"
                     : err == EINVAL   ? "EINVAL"
                                       : NULL;
  if (name) {
    strncpy(code, name, sizeof code);
  } else {
    snprintf(code, sizeof code, "E%d", err);
  }
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_value result(napi_env env, int family, const void *addr, unsigned short port_be) {
  char text[INET6_ADDRSTRLEN];
  napi_value obj, address, port;
  if (!inet_ntop(family, addr, text, sizeof text)) return throw_errno(env, "inet_ntop", errno);
  if (napi_create_object(env, &obj) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address) != napi_ok) return NULL;
  if (napi_create_uint32(env, ntohs(port_be), &port) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, "address", address) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, "port", port) != napi_ok) return NULL;
  return obj;
}

static napi_value original_destination(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_value null_value;
  struct sockaddr_storage peer;
  socklen_t peer_len = sizeof peer;
  int use_ipv4;

  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "originalDestination(fd): fd must be a number >= 0");
    return NULL;
  }
  napi_get_null(env, &null_value);

  if (getpeername(fd, (struct sockaddr *)&peer, &peer_len) != 0) {
    if (errno == ENOTCONN) return null_value;
    return throw_errno(env, "getpeername", errno);
  }
  /* IPv4 clients of a dual-stack listener have IPv4-mapped addresses: their NAT entry is IPv4 */
  use_ipv4 = peer.ss_family == AF_INET ||
             (peer.ss_family == AF_INET6 &&
              IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&peer)->sin6_addr));

  if (use_ipv4) {
    struct sockaddr_in dst;
    socklen_t len = sizeof dst;
    memset(&dst, 0, sizeof dst);
    if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &len) != 0) {
      if (errno == ENOENT || errno == ENOPROTOOPT || errno == EOPNOTSUPP) return null_value;
      return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", errno);
    }
    return result(env, AF_INET, &dst.sin_addr, dst.sin_port);
  } else {
    struct sockaddr_in6 dst;
    socklen_t len = sizeof dst;
    memset(&dst, 0, sizeof dst);
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &dst, &len) != 0) {
      if (errno == ENOENT || errno == ENOPROTOOPT || errno == EOPNOTSUPP) return null_value;
      return throw_errno(env, "getsockopt(IP6T_SO_ORIGINAL_DST)", errno);
    }
    return result(env, AF_INET6, &dst.sin6_addr, dst.sin6_port);
  }
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "originalDestination", NAPI_AUTO_LENGTH, original_destination, NULL, &fn) != napi_ok)
    return NULL;
  if (napi_set_named_property(env, exports, "originalDestination", fn) != napi_ok) return NULL;
  return exports;
}
