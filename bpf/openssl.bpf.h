/* openssl.bpf.h: uprobes on OpenSSL SSL_read/SSL_write[_ex]: plaintext of TLS sockets. */
