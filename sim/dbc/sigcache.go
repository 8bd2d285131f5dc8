package dbc

import lru "github.com/hashicorp/golang-lru/v2"

// A signed DBC client sends the same (wallet, nonce, signature) triple
// again and again (the node accepts a nonce again unless the scenario
// rejects reused nonces), and each sr25519 check costs ~86 us. Whether a
// signature verifies depends on nothing but the triple, so the answer is
// remembered process-wide: replay, renter and threshold are still decided
// by the model under the world's lock, per request, exactly as before.

// sigCacheSize bounds the remembered triples (a few hundred bytes each), so
// a client sending fresh garbage signatures costs a bounded ~1 MB.
const sigCacheSize = 4096

// sigCache remembers verification outcomes by sigKey, forgetting the least
// recently used first (hashicorp/golang-lru, safe for concurrent use).
type sigCache struct{ known *lru.Cache[string, bool] }

func newSigCache() *sigCache {
	c, err := lru.New[string, bool](sigCacheSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &sigCache{known: c}
}

var verifiedSignatures = newSigCache()

// verify is VerifySR25519 through the cache; k is the triple's sigKey.
func (c *sigCache) verify(k, wallet, msg, sign string) bool {
	if ok, hit := c.known.Get(k); hit {
		return ok
	}
	ok := VerifySR25519(wallet, msg, sign)
	c.known.Add(k, ok)
	return ok
}
