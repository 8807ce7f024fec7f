// Fixture programs for the Go crypto/tls analysis and the integration tests (stdlib only).
module httpsnoop/tests/go

go 1.17
