// offsets: prints the struct field offsets the Go TLS probes rely on, as the running
// toolchain lays them out, one "name offset" line each (read with reflect, which sees
// unexported fields). tests/unit/test_goelf.c compares them with lib/goelf.c's table.
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"reflect"
)

func field(t reflect.Type, name string) reflect.StructField {
	f, ok := t.FieldByName(name)
	if !ok {
		fmt.Fprintf(os.Stderr, "%s has no field %s\n", t, name)
		os.Exit(1)
	}
	return f
}

func main() {
	conn := reflect.TypeOf(tls.Conn{})
	fmt.Println("tls.Conn.conn", field(conn, "conn").Offset)
	fmt.Println("tls.Conn.isClient", field(conn, "isClient").Offset)

	// net.Conn is an interface: {itab, data}; the data word follows the itab pointer.
	var iface net.Conn
	fmt.Println("iface.data", reflect.TypeOf(&iface).Elem().Size()/2)

	tcp := reflect.TypeOf(net.TCPConn{})
	c := field(tcp, "conn") // the embedded net.conn
	fd := field(c.Type, "fd")
	fmt.Println("net.TCPConn.conn.fd", c.Offset+fd.Offset)
	netfd := fd.Type.Elem()
	pfd := field(netfd, "pfd")
	fmt.Println("net.netFD.pfd", pfd.Offset)
	fmt.Println("poll.FD.Sysfd", field(pfd.Type, "Sysfd").Offset)
}
