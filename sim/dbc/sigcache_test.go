package dbc

import (
	"encoding/hex"
	"strconv"
	"testing"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
)

// TestSigCacheAnswersAsVerify: the cache gives VerifySR25519's answer,
// the first time and from memory, for good and bad triples alike.
func TestSigCacheAnswersAsVerify(t *testing.T) {
	sk := derive(t, "Alice")
	sig, err := sk.Sign(schnorrkel.NewSigningContext([]byte("substrate"), []byte("nonce-c")))
	if err != nil {
		t.Fatal(err)
	}
	enc := sig.Encode()
	good := hex.EncodeToString(enc[:])
	alice, bob := devVectors[0].addr, devVectors[1].addr
	triples := [][3]string{{alice, "nonce-c", good}, {bob, "nonce-c", good}, {alice, "nonce-d", good}, {alice, "nonce-c", good[:100]}}
	c := newSigCache()
	for round := range 2 {
		for _, tr := range triples {
			if got, want := c.verify(sigKey(tr[0], tr[1], tr[2]), tr[0], tr[1], tr[2]), VerifySR25519(tr[0], tr[1], tr[2]); got != want {
				t.Errorf("round %d %q: cache says %v, VerifySR25519 %v", round, tr[1], got, want)
			}
		}
	}
	if c.known.Len() != len(triples) {
		t.Errorf("remembered %d triples, want %d", c.known.Len(), len(triples))
	}
}

// TestSigCacheIsBounded: past sigCacheSize triples the oldest are forgotten.
func TestSigCacheIsBounded(t *testing.T) {
	c := newSigCache()
	for i := range sigCacheSize + 10 {
		c.verify(sigKey("w", strconv.Itoa(i), "s"), "w", strconv.Itoa(i), "s")
	}
	if c.known.Len() != sigCacheSize {
		t.Fatalf("remembered %d triples, want %d", c.known.Len(), sigCacheSize)
	}
	if kept := c.known.Contains(sigKey("w", "0", "s")); kept {
		t.Error("the oldest triple is still remembered")
	}
	if kept := c.known.Contains(sigKey("w", strconv.Itoa(sigCacheSize+9), "s")); !kept {
		t.Error("the newest triple is forgotten")
	}
}

// TestSigKeyTellsTriplesApart: a nonce holding the separator bytes never
// makes one triple's key another's.
func TestSigKeyTellsTriplesApart(t *testing.T) {
	if sigKey("a", "b\x00c", "d") == sigKey("a", "b", "c\x00d") || sigKey("ab", "c", "d") == sigKey("a", "bc", "d") {
		t.Error("two triples share a key")
	}
}
