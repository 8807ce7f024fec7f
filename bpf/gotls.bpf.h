/* gotls.bpf.h: uprobes on Go crypto/tls (*Conn).Read/Write entries and RETs. */
