// h2peer: HTTP/2 peers for the HTTP/2 integration tests (RFC 9113): a cleartext HTTP/2
// server accepting prior knowledge and "Upgrade: h2c", and a gRPC server and client.
//
// Built at test time from Debian's Go packages (golang-google-grpc-dev, which brings
// golang-golang-x-net-dev) in GOPATH mode: GO111MODULE=off GOPATH=/usr/share/gocode.
// Servers print "listening on ADDR" once ready and serve until killed.
//
//	h2peer h2c-server -addr 127.0.0.1:0
//	h2peer grpc-server -addr 127.0.0.1:0
//	h2peer grpc-client -addr 127.0.0.1:PORT -wait 1s -gap 500ms
//
// The gRPC service is the standard health service (grpc.health.v1.Health/Check, generated
// code shipped with grpc) plus a bidirectional stream test.Echo/Chat declared by hand:
// it answers each request message with one response and ends with INVALID_ARGUMENT
// "chat over" so that the trailers carry a status and a message.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	hpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func listen(addr string) net.Listener {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	os.Stdout.Sync()
	return l
}

// h2cServer echoes method, path and body length, then sends the body length as a trailer.
func h2cServer(addr string) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Trailer", "X-Body-Length")
		fmt.Fprintf(w, "path=%s proto=%s method=%s body=%d\n", r.URL.Path, r.Proto, r.Method,
			len(body))
		w.(http.Flusher).Flush() // headers and body go now: the trailer always follows
		w.Header().Set("X-Body-Length", fmt.Sprint(len(body)))
	})
	srv := &http.Server{Handler: h2c.NewHandler(h, &http2.Server{})}
	log.Fatal(srv.Serve(listen(addr)))
}

var chatDesc = grpc.StreamDesc{StreamName: "Chat", ServerStreams: true, ClientStreams: true}

func chat(_ interface{}, st grpc.ServerStream) error {
	for {
		var m hpb.HealthCheckRequest
		if err := st.RecvMsg(&m); err == io.EOF {
			return status.Error(codes.InvalidArgument, "chat over")
		} else if err != nil {
			return err
		}
		reply := hpb.HealthCheckResponse{Status: hpb.HealthCheckResponse_SERVING}
		if err := st.SendMsg(&reply); err != nil {
			return err
		}
	}
}

func grpcServer(addr string) {
	s := grpc.NewServer()
	hs := health.NewServer()
	hs.SetServingStatus("ok", hpb.HealthCheckResponse_SERVING)
	hpb.RegisterHealthServer(s, hs)
	s.RegisterService(&grpc.ServiceDesc{
		ServiceName: "test.Echo",
		HandlerType: (*interface{})(nil),
		Streams: []grpc.StreamDesc{{StreamName: "Chat", Handler: chat,
			ServerStreams: true, ClientStreams: true}},
	}, struct{}{})
	log.Fatal(s.Serve(listen(addr)))
}

// grpcClient: Check("ok"), Check("missing"), then Chat with -n messages, -gap apart (the
// chat's stream stays open that long); one line each.
func grpcClient(addr string, n int, gap time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	hc := hpb.NewHealthClient(conn)
	for _, svc := range []string{"ok", "missing"} {
		r, err := hc.Check(ctx, &hpb.HealthCheckRequest{Service: svc})
		fmt.Printf("check %s: %v %v\n", svc, r.GetStatus(), status.Code(err))
	}
	st, err := conn.NewStream(ctx, &chatDesc, "/test.Echo/Chat")
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		req := hpb.HealthCheckRequest{Service: strings.Repeat("x", 10*(i+1))}
		if err := st.SendMsg(&req); err != nil {
			log.Fatal(err)
		}
	}
	st.CloseSend()
	got := 0
	for {
		var m hpb.HealthCheckResponse
		if err = st.RecvMsg(&m); err != nil {
			break
		}
		got++
	}
	fmt.Printf("chat: %d replies, %v %q\n", got, status.Code(err), status.Convert(err).Message())
}

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: h2peer h2c-server|grpc-server|grpc-client [-addr A] [-n N] [-wait D] [-gap D]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen or connect address")
	n := fs.Int("n", 3, "messages sent on the chat stream")
	wait := fs.Duration("wait", 0, "pause before the first call (time to attach a tracer)")
	gap := fs.Duration("gap", 0, "pause between chat messages")
	fs.Parse(os.Args[2:])
	switch os.Args[1] {
	case "h2c-server":
		h2cServer(*addr)
	case "grpc-server":
		grpcServer(*addr)
	case "grpc-client":
		time.Sleep(*wait)
		grpcClient(*addr, *n, *gap)
	default:
		log.Fatalf("unknown mode %q", os.Args[1])
	}
}
