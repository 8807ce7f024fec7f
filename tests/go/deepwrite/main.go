// deepwrite: HTTP/1.1 requests on one TLS connection, each written by a new goroutine from
// deep in its stack, so that crypto/tls.(*Conn).Write must grow the stack first: its prologue
// calls runtime.morestack, which starts the function again from its entry.
//
//	deepwrite -addr 127.0.0.1:8443 -n 100
//
// Prints "DEPTH STATUS BODY" per response; exit status 1 on any error.
package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// nest calls f from n frames down, each with some stack of its own.
//
//go:noinline
func nest(n int, f func()) byte {
	var pad [64]byte
	pad[n%64] = byte(n)
	if n == 0 {
		f()
		return pad[0]
	}
	return nest(n-1, f) + pad[1]
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "server address")
	n := flag.Int("n", 100, "requests, at depths 0 to n-1")
	wait := flag.Duration("wait", 0, "pause before connecting (time to attach a tracer)")
	flag.Parse()
	time.Sleep(*wait)
	c, err := tls.Dial("tcp", *addr, &tls.Config{InsecureSkipVerify: true,
		NextProtos: []string{"http/1.1"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	br := bufio.NewReader(c)
	for d := 0; d < *n; d++ {
		req := []byte(fmt.Sprintf("GET /d%d HTTP/1.1\r\nHost: x\r\n\r\n", d))
		done := make(chan error)
		go func(d int) {
			var err error
			nest(d, func() { _, err = c.Write(req) })
			done <- err
		}(d)
		if err := <-done; err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%d %d %s", d, resp.StatusCode, b)
	}
	c.Close()
}
