package dbc

import (
	"testing"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

func BenchmarkVerifySR25519(b *testing.B) {
	sig, _ := derive(b, "Alice").Sign(schnorrkel.NewSigningContext([]byte("substrate"), []byte("n")))
	enc := sig.Encode()
	hexSig := "0x" + string(hexBytes(enc[:]))
	for i := 0; i < b.N; i++ {
		if !VerifySR25519(devVectors[0].addr, "n", hexSig) {
			b.Fatal("does not verify")
		}
	}
}

func hexBytes(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}

func BenchmarkParseRequest(b *testing.B) {
	body := []byte(`{"peer_nodes_list":["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"],"additional":{"image_name":"ubuntu.qcow2","ssh_port":"5684","vnc_port":"5904","gpu_count":"1","cpu_cores":"4","mem_size":"16","disk_size":"100"},"wallet":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY","nonce":"5q7KRn4d8EmXFFsim8vHBp23N2CpERbD2mWR3WCo1o3teZnGxYEh4N6","sign":"0x2cdc83a57d8e75a6e6648af288e148fcb4adadbe7b2cf34f3dd6d3a2d07a215403cb8231b832e2ea8fc784cdd06495dbd7f79fa07d759b13159b29d9b2f5968c"}`)
	for i := 0; i < b.N; i++ {
		r, err := ParseRequest(body, prefixNone)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := testNode().PlanCreate(ReadCreateFields(r), "w"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTasksBody reads the hot path's POST /api/v1/tasks body
// (issue 14) with the one-pass scan and, beside it, the reflective
// reading it replaced.
func BenchmarkParseTasksBody(b *testing.B) {
	body := []byte(hotTasksBody)
	for _, side := range []struct {
		name  string
		parse func([]byte, paramPrefix) (*Request, *Error)
	}{{"scan", ParseRequest}, {"reflective", parseRequestReflective}} {
		b.Run(side.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := side.parse(body, prefixNone); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
