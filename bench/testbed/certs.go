package testbed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ClientCN is the subject common name of the client certificate Certs makes.
const ClientCN = "jetway-test-client"

// CertSet is a throwaway PKI: a CA, a server certificate for 127.0.0.1, ::1
// and localhost, and a client certificate, all ECDSA P-256 and signed by the
// CA. Files are PEM; keys are PKCS #8.
type CertSet struct {
	Dir string // holds the files below

	CAFile string
	CAPEM  []byte

	ServerCertFile, ServerKeyFile string
	ServerCertPEM, ServerKeyPEM   []byte

	ClientCertFile, ClientKeyFile string
	ClientCertPEM, ClientKeyPEM   []byte

	clientPair tls.Certificate
}

// Certs generates a CertSet in a directory removed when the test ends.
func Certs(t testing.TB) *CertSet {
	t.Helper()
	cs, err := newCertSet(t.TempDir())
	if err != nil {
		t.Fatalf("Certs: %v", err)
	}
	return cs
}

// CAPool returns a pool holding the CA certificate.
func (cs *CertSet) CAPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cs.CAPEM)
	return pool
}

// ClientTLS returns a client configuration that trusts the CA and presents
// the client certificate.
func (cs *CertSet) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: cs.CAPool(), Certificates: []tls.Certificate{cs.clientPair}}
}

func newCertSet(dir string) (*CertSet, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "jetway-test-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caPEM, _, caCert, err := issue(caTmpl, nil, caKey, caKey)
	if err != nil {
		return nil, err
	}

	serverPEM, serverKeyPEM, err := leaf(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, caCert, caKey, now)
	if err != nil {
		return nil, err
	}
	clientPEM, clientKeyPEM, err := leaf(&x509.Certificate{
		Subject:     pkix.Name{CommonName: ClientCN},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, caCert, caKey, now)
	if err != nil {
		return nil, err
	}

	cs := &CertSet{
		Dir:            dir,
		CAFile:         filepath.Join(dir, "ca.pem"),
		CAPEM:          caPEM,
		ServerCertFile: filepath.Join(dir, "server.pem"),
		ServerKeyFile:  filepath.Join(dir, "server-key.pem"),
		ServerCertPEM:  serverPEM,
		ServerKeyPEM:   serverKeyPEM,
		ClientCertFile: filepath.Join(dir, "client.pem"),
		ClientKeyFile:  filepath.Join(dir, "client-key.pem"),
		ClientCertPEM:  clientPEM,
		ClientKeyPEM:   clientKeyPEM,
	}
	if cs.clientPair, err = tls.X509KeyPair(clientPEM, clientKeyPEM); err != nil {
		return nil, err
	}
	for file, data := range map[string][]byte{
		cs.CAFile:         cs.CAPEM,
		cs.ServerCertFile: cs.ServerCertPEM,
		cs.ServerKeyFile:  cs.ServerKeyPEM,
		cs.ClientCertFile: cs.ClientCertPEM,
		cs.ClientKeyFile:  cs.ClientKeyPEM,
	} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// leaf issues a one-day certificate from tmpl with a new key, signed by the CA.
func leaf(tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl.NotBefore = now.Add(-time.Hour)
	tmpl.NotAfter = now.Add(24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	certPEM, keyPEM, _, err = issue(tmpl, ca, key, caKey)
	return certPEM, keyPEM, err
}

// issue signs tmpl for key with signer (self-signed when parent is nil) and
// returns the certificate and key as PEM, and the parsed certificate.
func issue(tmpl, parent *x509.Certificate, key, signer *ecdsa.PrivateKey) (certPEM, keyPEM []byte, cert *x509.Certificate, err error) {
	tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, nil, err
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err = x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, cert, nil
}
