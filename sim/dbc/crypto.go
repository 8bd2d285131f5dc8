package dbc

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	schnorrkel "github.com/ChainSafe/go-schnorrkel"
	"github.com/mr-tron/base58"
	"golang.org/x/crypto/blake2b"
)

// base58Check is Bitcoin's Base58Check without a version byte: the payload
// followed by the first four bytes of its double SHA-256, in Bitcoin's
// base58 alphabet (github.com/mr-tron/base58). DBC builds its session ids
// and task ids this way from random strings. No maintained library fits
// whole: btcutil's CheckEncode adds a version byte DBC does not have.
func base58Check(payload []byte) string {
	first := sha256.Sum256(payload)
	second := sha256.Sum256(first[:])
	return base58.Encode(append(append([]byte{}, payload...), second[:4]...))
}

// ss58Prefix is the generic Substrate address format, which DBC wallets use.
const ss58Prefix = 42

// ss58Checksum is the first two bytes of blake2b-512("SS58PRE" || data).
func ss58Checksum(data []byte) []byte {
	h, _ := blake2b.New512(nil)
	h.Write([]byte("SS58PRE"))
	h.Write(data)
	return h.Sum(nil)[:2]
}

// SS58Decode returns the 32-byte public key of an SS58 address, checking
// its checksum. One- and two-byte network prefixes are accepted.
func SS58Decode(addr string) ([32]byte, error) {
	var key [32]byte
	raw, err := base58.Decode(addr)
	if err != nil {
		return key, err
	}
	prefixLen := 1
	if len(raw) > 0 && raw[0]&0x40 != 0 {
		prefixLen = 2
	}
	if len(raw) != prefixLen+32+2 {
		return key, fmt.Errorf("address has %d bytes, want %d", len(raw), prefixLen+34)
	}
	body := raw[:prefixLen+32]
	if sum := ss58Checksum(body); sum[0] != raw[len(raw)-2] || sum[1] != raw[len(raw)-1] {
		return key, errors.New("bad address checksum")
	}
	copy(key[:], body[prefixLen:])
	return key, nil
}

// SS58Encode renders a public key as a generic Substrate (prefix 42) address.
func SS58Encode(key [32]byte) string {
	body := append([]byte{ss58Prefix}, key[:]...)
	return base58.Encode(append(body, ss58Checksum(body)...))
}

// decodeSignature reads a 64-byte signature in hex, with or without 0x.
func decodeSignature(s string) ([64]byte, error) {
	var sig [64]byte
	raw, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
	if err != nil {
		return sig, err
	}
	if len(raw) != 64 {
		return sig, fmt.Errorf("signature has %d bytes, want 64", len(raw))
	}
	copy(sig[:], raw)
	return sig, nil
}

// signingContext is what polkadot-js and Substrate sign sr25519 messages with.
var signingContext = []byte("substrate")

// VerifySR25519 reports whether sign (hex) is wallet's sr25519 signature of
// the raw bytes of msg, the way the DBC node checks nonces and session ids.
func VerifySR25519(wallet, msg, sign string) bool {
	key, err := SS58Decode(wallet)
	if err != nil {
		return false
	}
	raw, err := decodeSignature(sign)
	if err != nil {
		return false
	}
	pub, err := schnorrkel.NewPublicKey(key)
	if err != nil {
		return false
	}
	sig := new(schnorrkel.Signature)
	if err := sig.Decode(raw); err != nil {
		return false
	}
	ok, err := pub.Verify(sig, schnorrkel.NewSigningContext(signingContext, []byte(msg)))
	return err == nil && ok
}

// MultisigAccount is the SS58 address of the multisig account of wallets
// with threshold, as Substrate's pallet_multisig derives it: blake2b-256 of
// "modlpy/utilisuba", the SCALE-encoded sorted signatories and the u16
// threshold.
func MultisigAccount(wallets []string, threshold uint16) (string, error) {
	keys := make([][32]byte, 0, len(wallets))
	seen := map[[32]byte]bool{}
	for _, w := range wallets {
		k, err := SS58Decode(w)
		if err != nil {
			return "", fmt.Errorf("wallet %s: %w", w, err)
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return string(keys[i][:]) < string(keys[j][:]) })
	data := []byte("modlpy/utilisuba")
	data = append(data, scaleCompact(len(keys))...)
	for _, k := range keys {
		data = append(data, k[:]...)
	}
	data = binary.LittleEndian.AppendUint16(data, threshold)
	return SS58Encode(blake2b.Sum256(data)), nil
}

// scaleCompact is SCALE's compact encoding of a length.
func scaleCompact(n int) []byte {
	switch {
	case n < 1<<6:
		return []byte{byte(n << 2)}
	case n < 1<<14:
		return binary.LittleEndian.AppendUint16(nil, uint16(n<<2|1))
	default:
		return binary.LittleEndian.AppendUint32(nil, uint32(n<<2|2))
	}
}
