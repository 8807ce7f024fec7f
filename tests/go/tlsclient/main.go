// tlsclient: an HTTPS test client doing N requests over keep-alive connections (RFC 9110, RFC 9112).
//
// Certificates are not verified (the test server's certificate is self-signed).
// HTTP/1.1 is used unless -h2 is given. Each response prints one line
// "STATUS BODY-LENGTH BODY" to stdout; the exit status is 1 when a request failed.
//
//	tlsclient -url https://127.0.0.1:8443/hello -n 3 -interval 100ms
//	tlsclient -url 'https://127.0.0.1:8443/n{i}' -n 3    ({i}: the request's number from 0)
//	tlsclient -url https://127.0.0.1:8443/up -method POST -data 'x=1' -h2
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	url := flag.String("url", "https://127.0.0.1:8443/", "URL to request")
	n := flag.Int("n", 1, "number of requests")
	interval := flag.Duration("interval", 0, "pause between requests")
	method := flag.String("method", "GET", "request method")
	data := flag.String("data", "", "request body")
	h2 := flag.Bool("h2", false, "allow HTTP/2 (default: HTTP/1.1 only)")
	wait := flag.Duration("wait", 0, "pause before the first request (time to attach a tracer)")
	timeout := flag.Duration("timeout", 10*time.Second, "timeout of each request")
	flag.Parse()

	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		ForceAttemptHTTP2: *h2,
		MaxIdleConns:      1,
	}
	if !*h2 {
		// A non-nil, empty TLSNextProto map turns HTTP/2 off.
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	client := &http.Client{Transport: tr, Timeout: *timeout}

	time.Sleep(*wait)
	failed := false
	for i := 0; i < *n; i++ {
		if i > 0 {
			time.Sleep(*interval)
		}
		var body io.Reader
		if *data != "" {
			body = strings.NewReader(*data)
		}
		req, err := http.NewRequest(*method, strings.ReplaceAll(*url, "{i}", fmt.Sprint(i)), body)
		if err != nil {
			fmt.Fprintf(os.Stderr, "request: %v\n", err)
			os.Exit(2)
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintf(os.Stderr, "request %d: %v\n", i+1, err)
			failed = true
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "response %d: %v\n", i+1, err)
			failed = true
			continue
		}
		fmt.Printf("%d %d %s", resp.StatusCode, len(b), b)
		if len(b) == 0 || b[len(b)-1] != '\n' {
			fmt.Println()
		}
	}
	tr.CloseIdleConnections()
	if failed {
		os.Exit(1)
	}
}
