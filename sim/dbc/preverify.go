package dbc

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// sr25519 verification is most of a signed DBC request's CPU (~86 us).
// Done under the world's lock it serialises every request of a world, so
// the request's own signatures (the wallet's nonce signature, each multisig
// signer's) are checked before the lock is taken: their outcome depends on
// nothing in the world. The model still decides under the lock which of
// them count (signature mode, nonce replay, renter, threshold), exactly as
// before; a signature checked nowhere here (a session's, whose signer is
// the node's renter) is verified there.

// sigKey names a (wallet, message, signature) triple; the lengths in front
// keep two different triples from ever sharing a key, whatever bytes a
// client puts in a nonce.
func sigKey(wallet, msg, sign string) string {
	return strconv.Itoa(len(wallet)) + ":" + strconv.Itoa(len(msg)) + ":" + wallet + msg + sign
}

// preverify checks the request's own signatures into r.verified.
func (r *Request) preverify() {
	check := func(wallet, msg, sign string) {
		if r.verified == nil {
			r.verified = map[string]bool{}
		}
		if k := sigKey(wallet, msg, sign); wallet != "" && sign != "" {
			if _, done := r.verified[k]; !done {
				r.verified[k] = verifiedSignatures.verify(k, wallet, msg, sign)
			}
		}
	}
	if r.walletSignValid() {
		check(r.Wallet, r.Nonce, r.Sign)
	}
	if r.multisigValid() {
		for _, s := range r.Multisig.Signs {
			check(s.Wallet, s.Nonce, s.Sign)
		}
	}
}

// verifying reports whether the request's world checks signatures (the
// scenario's signatures: verify), so trust mode wastes no CPU on them.
func verifying(c echo.Context) bool {
	mode := ""
	_ = simhttp.World(c).Do(func(tx *state.Tx) error {
		mode = stateOf(tx).Signatures
		return nil
	})
	return mode != SignaturesTrust
}
