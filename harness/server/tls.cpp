// harness/server/tls.cpp — a self-signed certificate for 127.0.0.1/localhost, made with OpenSSL at start.
#include "tls.hpp"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace websec::server {

namespace {

template <class T, void (*F)(T*)>
struct deleter {
  void operator()(T* p) const { F(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

bool add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ext_ptr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

std::optional<pem_pair> make_self_signed(long validity_seconds) {
  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) return std::nullopt;
  x509_ptr cert(X509_new());
  if (!cert) return std::nullopt;
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes_wrapper(serial, sizeof serial) != 1) return std::nullopt;
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (!bn) return std::nullopt;
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), validity_seconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("websec-server"), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!add_ext(cert.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") ||
      !add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
      !add_ext(cert.get(), NID_ext_key_usage, "serverAuth"))
    return std::nullopt;
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return std::nullopt;

  pem_pair out;
  bio_ptr cb(BIO_new(BIO_s_mem()));
  bio_ptr kb(BIO_new(BIO_s_mem()));
  if (!cb || !kb) return std::nullopt;
  if (PEM_write_bio_X509(cb.get(), cert.get()) != 1) return std::nullopt;
  if (PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) return std::nullopt;
  out.cert_pem = bio_string(cb.get());
  out.key_pem = bio_string(kb.get());
  return out;
}

}  // namespace websec::server
