// harness/server/tls.hpp — self-signed certificate for the server's HTTPS listener.
#pragma once

#include <openssl/rand.h>

#include <optional>
#include <string>

namespace websec::server {

/// A certificate and its private key, PEM-encoded.
struct pem_pair {
  std::string cert_pem;
  std::string key_pem;
};

inline int RAND_bytes_wrapper(unsigned char* buf, int n) { return RAND_bytes(buf, n); }

/// Makes an EC P-256 certificate for CN=127.0.0.1 with subjectAltName IP:127.0.0.1, DNS:localhost, valid from five
/// minutes ago for `validity_seconds`, self-signed (it is its own CA, so a client can trust it as a CA bundle).
/// Returns nullopt if OpenSSL fails.
std::optional<pem_pair> make_self_signed(long validity_seconds = 7 * 24 * 3600);

}  // namespace websec::server
