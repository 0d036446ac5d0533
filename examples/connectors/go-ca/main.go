// go-ca: a certctl external connector (plugin protocol 1) in Go, standard library only.
//
// It declares the `sign` capability: certctl builds every certificate, CRL and OCSP responder
// certificate itself and only sends this process SHA-256 digests to sign with the CA key. The CA
// key and certificate live in CERTCTL_PLUGIN_STATE_DIR (created on first start). Replace
// loadOrCreateCA and signDigest with calls to your key store (a KMS, a vault, an HSM SDK) and
// you have a production plugin.
//
// Protocol (docs/connectors/external-protocol.md): one handshake line on stdout, then one JSON-RPC
// 2.0 response line for each request line on stdin. Logs go to stderr. Exit on EOF.
//
//	go build -o go-ca .    (no module downloads: the standard library only)
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

const protocol = 1

type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  interface{}     `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type signParams struct {
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

var out = json.NewEncoder(os.Stdout) // one JSON value per line, no raw newlines inside

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-ca: "+format+"\n", args...)
}

func main() {
	if !offered(os.Getenv("CERTCTL_PLUGIN_PROTOCOLS"), protocol) {
		logf("certctl offers protocol(s) %q; this plugin speaks %d", os.Getenv("CERTCTL_PLUGIN_PROTOCOLS"), protocol)
		os.Exit(1)
	}
	state := os.Getenv("CERTCTL_PLUGIN_STATE_DIR")
	if state == "" {
		state = "."
	}
	key, certPEM, err := loadOrCreateCA(state)
	if err != nil {
		logf("cannot load or create the CA: %v", err)
		os.Exit(1)
	}
	out.SetEscapeHTML(false)
	_ = out.Encode(map[string]interface{}{"certctl_plugin": map[string]interface{}{
		"protocol": protocol, "name": "go-ca", "capabilities": []string{"sign", "health"},
	}})

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 4<<20)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			logf("ignoring a line that is not JSON: %v", err)
			continue
		}
		result, rpcErr := handle(req, key, certPEM)
		resp := response{JSONRPC: "2.0", ID: req.ID, Result: result, Error: rpcErr}
		if rpcErr != nil {
			resp.Result = nil
		}
		if err := out.Encode(resp); err != nil {
			logf("cannot write to stdout: %v", err)
			os.Exit(1)
		}
	}
	// EOF on stdin: certctl is stopping us.
}

func handle(req request, key *ecdsa.PrivateKey, certPEM string) (interface{}, *rpcError) {
	switch req.Method {
	case "describe":
		return map[string]string{"ca_chain_pem": certPEM}, nil
	case "health":
		return map[string]bool{"ok": true}, nil
	case "sign":
		var p signParams
		if err := json.Unmarshal(req.Params, &p); err != nil {
			return nil, &rpcError{Code: -32602, Message: "invalid sign params"}
		}
		signature, err := signDigest(key, p)
		if err != nil {
			return nil, &rpcError{Code: -32602, Message: err.Error()}
		}
		return map[string]string{"signature": base64.StdEncoding.EncodeToString(signature)}, nil
	default:
		return nil, &rpcError{Code: -32601, Message: "method not found: " + req.Method}
	}
}

// signDigest signs the digest certctl computed: for ECDSA the result is the DER ECDSA-Sig-Value,
// exactly what ecdsa.SignASN1 returns. (An RSA key would use rsa.SignPKCS1v15(rand.Reader, key,
// crypto.SHA256, digest), which adds the DigestInfo prefix as the protocol requires.)
func signDigest(key *ecdsa.PrivateKey, p signParams) ([]byte, error) {
	if p.Algorithm != "ecdsa-with-SHA256" {
		return nil, fmt.Errorf("this CA signs ecdsa-with-SHA256, not %s", p.Algorithm)
	}
	digest, err := base64.StdEncoding.DecodeString(p.Digest)
	if err != nil || len(digest) != 32 {
		return nil, errors.New("digest must be the base64 of 32 bytes (SHA-256)")
	}
	return ecdsa.SignASN1(rand.Reader, key, digest)
}

func offered(list string, version int) bool {
	var v int
	for _, field := range splitComma(list) {
		if _, err := fmt.Sscanf(field, "%d", &v); err == nil && v == version {
			return true
		}
	}
	return false
}

func splitComma(s string) []string {
	var fields []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			fields = append(fields, s[start:i])
			start = i + 1
		}
	}
	return fields
}

// loadOrCreateCA reads ca.key/ca.crt from dir, or creates a self-signed P-256 CA there: CA:TRUE,
// keyCertSign and cRLSign (what certctl requires of a CA certificate), ten years.
func loadOrCreateCA(dir string) (*ecdsa.PrivateKey, string, error) {
	keyFile, certFile := filepath.Join(dir, "ca.key"), filepath.Join(dir, "ca.crt")
	if keyPEM, err := os.ReadFile(keyFile); err == nil {
		certPEM, err := os.ReadFile(certFile)
		if err != nil {
			return nil, "", err
		}
		block, _ := pem.Decode(keyPEM)
		if block == nil {
			return nil, "", errors.New(keyFile + " is not PEM")
		}
		key, err := x509.ParseECPrivateKey(block.Bytes)
		return key, string(certPEM), err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, "", err
	}
	publicDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, "", err
	}
	keyID := sha1.Sum(publicDER)
	now := time.Now()
	template := &x509.Certificate{
		SerialNumber:          new(big.Int).Add(serial, big.NewInt(1)),
		Subject:               pkix.Name{CommonName: "go-ca example root"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		SubjectKeyId:          keyID[:],
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, "", err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, "", err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return nil, "", err
	}
	logf("created a CA in %s", dir)
	return key, string(certPEM), nil
}
