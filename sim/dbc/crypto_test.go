package dbc

import (
	"encoding/hex"
	"testing"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	"github.com/mr-tron/base58"
)

// Well-known Substrate dev accounts (SS58 prefix 42).
var devVectors = []struct{ name, addr, pub string }{
	{"Alice", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
	{"Bob", "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48"},
	{"Charlie", "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y", "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22"},
}

func derive(t testing.TB, name string) *schnorrkel.SecretKey {
	t.Helper()
	mini, err := schnorrkel.MiniSecretKeyFromMnemonic("bottom drive obey lake curtain smoke basket hold race lonely fit walk", "")
	if err != nil {
		t.Fatal(err)
	}
	var cc [32]byte
	cc[0] = byte(len(name) << 2)
	copy(cc[1:], name)
	d, _, err := mini.HardDeriveMiniSecretKey(nil, cc)
	if err != nil {
		t.Fatal(err)
	}
	return d.ExpandEd25519()
}

func TestSS58DevAccounts(t *testing.T) {
	for _, v := range devVectors {
		key, err := SS58Decode(v.addr)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if hex.EncodeToString(key[:]) != v.pub {
			t.Fatalf("%s: key %x", v.name, key)
		}
		if got := SS58Encode(key); got != v.addr {
			t.Fatalf("%s: encode %s", v.name, got)
		}
		pub, err := derive(t, v.name).Public()
		if err != nil {
			t.Fatal(err)
		}
		if enc := pub.Encode(); hex.EncodeToString(enc[:]) != v.pub {
			t.Fatalf("%s: derived %x", v.name, enc)
		}
	}
}

func TestSS58Rejects(t *testing.T) {
	for _, bad := range []string{
		"", "0OIl", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", // checksum
		"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut", "1111",
	} {
		if _, err := SS58Decode(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

// pinnedNonce and pinnedSign are a signature by //Alice of the raw bytes of
// the reference's example nonce, made once with go-schnorrkel (sr25519
// signatures are randomized, so this pins verification, not signing).
const (
	pinnedNonce = "5q7KRn4d8EmXFFsim8vHBp23N2CpERbD2mWR3WCo1o3teZnGxYEh4N6"
	pinnedSign  = "0x2cdc83a57d8e75a6e6648af288e148fcb4adadbe7b2cf34f3dd6d3a2d07a215403cb8231b832e2ea8fc784cdd06495dbd7f79fa07d759b13159b29d9b2f5968c"
)

func TestPinnedSignature(t *testing.T) {
	if !VerifySR25519(devVectors[0].addr, pinnedNonce, pinnedSign) {
		t.Fatal("pinned //Alice signature does not verify")
	}
	if VerifySR25519(devVectors[1].addr, pinnedNonce, pinnedSign) {
		t.Fatal("pinned //Alice signature verifies for //Bob")
	}
}

func TestVerifySR25519(t *testing.T) {
	sk := derive(t, "Alice")
	sig, err := sk.Sign(schnorrkel.NewSigningContext([]byte("substrate"), []byte("nonce-1")))
	if err != nil {
		t.Fatal(err)
	}
	enc := sig.Encode()
	hexSig := hex.EncodeToString(enc[:])
	alice, bob := devVectors[0].addr, devVectors[1].addr
	cases := []struct {
		name, wallet, msg, sign string
		want                    bool
	}{
		{"0x hex", alice, "nonce-1", "0x" + hexSig, true},
		{"bare hex", alice, "nonce-1", hexSig, true},
		{"wrong wallet", bob, "nonce-1", hexSig, false},
		{"wrong message", alice, "nonce-2", hexSig, false},
		{"short", alice, "nonce-1", hexSig[:100], false},
		{"not hex", alice, "nonce-1", "zz" + hexSig[2:], false},
		{"bad wallet", "5Grw", "nonce-1", hexSig, false},
		{"bytes-wrapped message", alice, "<Bytes>nonce-1</Bytes>", hexSig, false},
		{"unmarked", alice, "nonce-1", hexSig[:126] + "00", false},
	}
	for _, tc := range cases {
		if got := VerifySR25519(tc.wallet, tc.msg, tc.sign); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

func TestMultisigAccount(t *testing.T) {
	a, b, c := devVectors[0].addr, devVectors[1].addr, devVectors[2].addr
	acc, err := MultisigAccount([]string{a, b, c}, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Order of the signatories does not matter (they are sorted).
	again, _ := MultisigAccount([]string{c, a, b}, 2)
	if acc != again {
		t.Fatalf("order changed the account: %s %s", acc, again)
	}
	other, _ := MultisigAccount([]string{a, b, c}, 3)
	if other == acc {
		t.Fatal("threshold does not change the account")
	}
	if _, err := SS58Decode(acc); err != nil {
		t.Fatalf("account %s: %v", acc, err)
	}
	// The value polkadot-js's createKeyMulti gives for these signatories.
	if acc != "5DjYJStmdZ2rcqXbXGX7TW85JsrW6uG4y9MUcLq2BoPMpRA7" {
		t.Fatalf("multisig(Alice,Bob,Charlie;2) = %s", acc)
	}
	if _, err := MultisigAccount([]string{"nope"}, 1); err == nil {
		t.Fatal("bad wallet accepted")
	}
}

func TestBase58Check(t *testing.T) {
	got := base58Check([]byte("hello"))
	raw, err := base58.Decode(got)
	if err != nil || string(raw[:5]) != "hello" || len(raw) != 9 {
		t.Fatalf("%s -> %q %v", got, raw, err)
	}
	if base58.Encode([]byte{0, 0, 1}) != "112" {
		t.Fatalf("leading zeros: %s", base58.Encode([]byte{0, 0, 1}))
	}
}

func FuzzSS58Decode(f *testing.F) {
	for _, v := range devVectors {
		f.Add(v.addr)
	}
	f.Add("")
	f.Add("zzzz")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := SS58Decode(s)
		if err != nil {
			return
		}
		if _, err := SS58Decode(SS58Encode(key)); err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", key, err)
		}
	})
}

func FuzzVerifySR25519(f *testing.F) {
	f.Add(devVectors[0].addr, "nonce", "0x00")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, wallet, msg, sign string) {
		VerifySR25519(wallet, msg, sign)
	})
}
