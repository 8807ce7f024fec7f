// tlsserver: an HTTPS test server whose replies echo the request path (RFC 9110, RFC 9112),
// or stream numbered lines (/stream/N).
//
// The certificate is self-signed and generated at start, so no file is needed.
// HTTP/1.1 is forced unless -h2 is given. On start it prints one line
// "listening on ADDR" to stdout (useful with -addr 127.0.0.1:0) and serves until killed
// or until -duration has passed; -v logs each new connection to stderr.
//
//	tlsserver -addr 127.0.0.1:8443
//	tlsserver -addr 127.0.0.1:0 -h2 -duration 30s
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "listen address (port 0 picks a free port)")
	h2 := flag.Bool("h2", false, "allow HTTP/2 (default: HTTP/1.1 only)")
	duration := flag.Duration("duration", 0, "exit after this long (0: run until killed)")
	verbose := flag.Bool("v", false, "log each new connection to stderr")
	flag.Parse()

	cert, err := selfSigned()
	if err != nil {
		log.Fatalf("certificate: %v", err)
	}
	protos := []string{"http/1.1"}
	if *h2 {
		protos = []string{"h2", "http/1.1"}
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos}

	mux := http.NewServeMux()
	// /stream/N: N lines, each flushed at once, so the length is not known when the headers
	// go out: chunked to HTTP/1.1 clients, ended by closing the connection for HTTP/1.0
	mux.HandleFunc("/stream/", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/stream/"))
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, "line %d of %d\n", i+1, n)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "path=%s proto=%s method=%s body=%d\n", r.URL.Path, r.Proto, r.Method, len(body))
	})
	srv := &http.Server{Handler: mux, TLSConfig: cfg}
	if !*h2 {
		// A non-nil, empty TLSNextProto map turns HTTP/2 off.
		srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}

	if *verbose {
		srv.ConnState = func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				log.Printf("new connection from %s", c.RemoteAddr())
			}
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	os.Stdout.Sync()
	if *duration > 0 {
		time.AfterFunc(*duration, func() { os.Exit(0) })
	}
	log.Fatal(srv.Serve(tls.NewListener(ln, cfg)))
}
