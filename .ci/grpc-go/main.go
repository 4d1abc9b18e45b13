// An independent client of netboot's gRPC API, on Go's gRPC stack with code
// generated from netboot's own .proto files (.ci/suites/70-grpc-go.sh builds
// it). It replays the call sequences of terraform-provider-matchbox and
// bootcmd, checks the HTTP answers for what it wrote, and compares every
// written group and profile file with Go's own json.MarshalIndent, which is
// what Matchbox writes.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"netboot.test/gen/rpcpb"
	"netboot.test/gen/serverpb"
	"netboot.test/gen/storagepb"
)

var (
	endpoint = flag.String("endpoint", "", "gRPC API host:port")
	pkiDir   = flag.String("pki", "", "folder written by `netboot tls init`")
	dataDir  = flag.String("data", "", "the server's data directory")
	httpURL  = flag.String("http", "", "the server's HTTP base URL")
	scratch  = flag.String("scratch", "", "a folder for bootcmd's input files")

	passed, failed int
)

func check(ok bool, format string, args ...interface{}) {
	if ok {
		passed++
		fmt.Printf("ok   %s\n", fmt.Sprintf(format, args...))
		return
	}
	failed++
	fmt.Printf("FAIL %s\n", fmt.Sprintf(format, args...))
}

func must(err error, what string) {
	if err != nil {
		fmt.Printf("FAIL %s: %v\n", what, err)
		fmt.Printf("%d passed, %d failed\n", passed, failed+1)
		os.Exit(1)
	}
}

// tlsConfig is the provider's: TLS 1.2 minimum, the CA to verify the server, a client certificate.
func tlsConfig(ca []byte, cert tls.Certificate) *tls.Config {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		must(fmt.Errorf("no PEM certificates"), "CA file")
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool, Certificates: []tls.Certificate{cert}}
}

func dial(cfg *tls.Config, block bool) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(credentials.NewTLS(cfg))}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if block {
		opts = append(opts, grpc.WithBlock())
	}
	return grpc.DialContext(ctx, *endpoint, opts...)
}

func ctx() context.Context {
	c, _ := context.WithTimeout(context.Background(), 20*time.Second)
	return c
}

func get(path string) (int, string) {
	res, err := http.Get(*httpURL + path)
	must(err, "GET "+path)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	must(err, "GET "+path)
	return res.StatusCode, string(body)
}

func readData(rel string) string {
	data, err := os.ReadFile(filepath.Join(*dataDir, rel))
	must(err, "read "+rel)
	return string(data)
}

// goJSON is the oracle: Go's own encoder. Go before 1.22 writes \b and \f as
// \u0008 and \u000c; Matchbox is built with a current Go, which writes them short.
func goJSON(v interface{}) string {
	data, err := json.MarshalIndent(v, "", "\t")
	must(err, "MarshalIndent")
	text := string(data)
	if version := runtime.Version(); strings.HasPrefix(version, "go1.1") || strings.HasPrefix(version, "go1.20") || strings.HasPrefix(version, "go1.21") {
		text = strings.ReplaceAll(strings.ReplaceAll(text, `\u0008`, `\b`), `\u000c`, `\f`)
	}
	return text
}

// RichGroup is how Matchbox writes a group: metadata as a nested object.
type RichGroup struct {
	Id       string                 `json:"id,omitempty"`
	Name     string                 `json:"name,omitempty"`
	Profile  string                 `json:"profile,omitempty"`
	Selector map[string]string      `json:"selector,omitempty"`
	Metadata map[string]interface{} `json:"metadata,omitempty"`
}

// toGroup is Matchbox's RichGroup.ToGroup, which the provider and bootcmd call.
func (rg *RichGroup) toGroup() *storagepb.Group {
	var metadata []byte
	if rg.Metadata != nil {
		var err error
		metadata, err = json.Marshal(rg.Metadata)
		must(err, "metadata")
	}
	return &storagepb.Group{Id: rg.Id, Name: rg.Name, Profile: rg.Profile, Selector: rg.Selector, Metadata: metadata}
}

// expectedGroupFile is what Matchbox's file store writes for a GroupPut of g.
func expectedGroupFile(g *storagepb.Group) string {
	metadata := map[string]interface{}{}
	if g.Metadata != nil {
		must(json.Unmarshal(g.Metadata, &metadata), "metadata")
	}
	return goJSON(&RichGroup{Id: g.Id, Name: g.Name, Profile: g.Profile, Selector: g.Selector, Metadata: metadata})
}

func grpcStatus(err error) (codes.Code, string) {
	s, _ := status.FromError(err)
	return s.Code(), s.Message()
}

func main() {
	flag.Parse()
	ca, err := os.ReadFile(filepath.Join(*pkiDir, "ca.crt"))
	must(err, "ca.crt")
	clientCert, err := tls.LoadX509KeyPair(filepath.Join(*pkiDir, "client.crt"), filepath.Join(*pkiDir, "client.key"))
	must(err, "client certificate")

	alpn()
	conn, err := dial(tlsConfig(ca, clientCert), true)
	must(err, "dial")
	defer conn.Close()
	groups := rpcpb.NewGroupsClient(conn)
	profiles := rpcpb.NewProfilesClient(conn)
	ignition := rpcpb.NewIgnitionClient(conn)
	generic := rpcpb.NewGenericClient(conn)
	sel := rpcpb.NewSelectClient(conn)

	// terraform-provider-matchbox: matchbox_profile with raw_ignition and generic_config.
	worker := &storagepb.Profile{
		Id: "worker",
		Boot: &storagepb.NetBoot{
			Kernel: "/assets/fedora-coreos/kernel",
			Initrd: []string{"--name main /assets/fedora-coreos/initramfs.img"},
			Args:   []string{"initrd=main", "coreos.inst.install_dev=/dev/sda", "ignition.config.url=http://matchbox.example/ignition?uuid=${uuid}&mac=${mac:hexhyp}"},
		},
		IgnitionId: "worker.ign",
		GenericId:  "worker",
	}
	rawIgnition := `{"ignition":{"version":"3.4.0"},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 AAAA <key> & more"]}]}}`
	_, err = profiles.ProfilePut(ctx(), &serverpb.ProfilePutRequest{Profile: worker})
	must(err, "ProfilePut worker")
	_, err = ignition.IgnitionPut(ctx(), &serverpb.IgnitionPutRequest{Name: "worker.ign", Config: []byte(rawIgnition)})
	must(err, "IgnitionPut worker.ign")
	_, err = generic.GenericPut(ctx(), &serverpb.GenericPutRequest{Name: "worker", Config: []byte("HOSTNAME={{.hostname}}\n")})
	must(err, "GenericPut worker")

	// matchbox_profile with container_linux_config: a Butane template.
	installed := &storagepb.Profile{
		Id:         "installed",
		Boot:       &storagepb.NetBoot{},
		IgnitionId: "installed.yaml.tmpl",
	}
	butane := "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n      mode: 0644\n      contents:\n        inline: {{.hostname}}\n"
	_, err = profiles.ProfilePut(ctx(), &serverpb.ProfilePutRequest{Profile: installed})
	must(err, "ProfilePut installed")
	_, err = ignition.IgnitionPut(ctx(), &serverpb.IgnitionPutRequest{Name: "installed.yaml.tmpl", Config: []byte(butane)})
	must(err, "IgnitionPut installed.yaml.tmpl")

	// matchbox_group: string metadata, mac selectors (and os=installed after install).
	node := (&RichGroup{
		Id:       "node1",
		Profile:  "worker",
		Selector: map[string]string{"mac": "52:54:00:a1:9c:ae"},
		Metadata: map[string]interface{}{"hostname": "node1.example", "note": "<b>&\u2028\u2029\b\f\u0001 é", "empty": ""},
	}).toGroup()
	_, err = groups.GroupPut(ctx(), &serverpb.GroupPutRequest{Group: node})
	must(err, "GroupPut node1")
	nodeInstalled := (&RichGroup{
		Id:       "node1-installed",
		Profile:  "installed",
		Selector: map[string]string{"mac": "52-54-00-A1-9C-AE", "os": "installed"},
		Metadata: map[string]interface{}{"hostname": "node1.example"},
	}).toGroup()
	_, err = groups.GroupPut(ctx(), &serverpb.GroupPutRequest{Group: nodeInstalled})
	must(err, "GroupPut node1-installed")

	// The files, byte for byte as Go's json.MarshalIndent writes them.
	check(readData("profiles/worker.json") == goJSON(worker), "profiles/worker.json is Go's MarshalIndent of the profile:\n%s", readData("profiles/worker.json"))
	check(readData("profiles/installed.json") == goJSON(installed), "profiles/installed.json is Go's MarshalIndent (empty boot as {})")
	check(readData("groups/node1.json") == expectedGroupFile(node), "groups/node1.json is Go's MarshalIndent of the RichGroup:\n%s", readData("groups/node1.json"))
	check(readData("groups/node1-installed.json") == expectedGroupFile(nodeInstalled), "groups/node1-installed.json keeps the MAC as sent")
	check(readData("ignition/worker.ign") == rawIgnition && readData("ignition/installed.yaml.tmpl") == butane, "Ignition files hold the bytes sent")
	for _, rel := range []string{"profiles/worker.json", "groups/node1.json", "ignition/worker.ign", "generic/worker"} {
		info, err := os.Stat(filepath.Join(*dataDir, rel))
		must(err, rel)
		check(info.Mode().Perm() == 0o644, "%s has mode 0644 (%v)", rel, info.Mode().Perm())
	}

	// The HTTP side serves what was written, at once.
	code, body := get("/ipxe?mac=52:54:00:a1:9c:ae")
	check(code == 200 && strings.Contains(body, "kernel /assets/fedora-coreos/kernel initrd=main coreos.inst.install_dev=/dev/sda ignition.config.url=http://matchbox.example/ignition?uuid=${uuid}&mac=${mac:hexhyp}\ninitrd --name main /assets/fedora-coreos/initramfs.img\n"), "/ipxe renders the profile: %d %q", code, body)
	code, body = get("/ignition?mac=52-54-00-a1-9c-ae")
	check(code == 200 && strings.Contains(body, `"sshAuthorizedKeys":["ssh-ed25519 AAAA \u003ckey\u003e \u0026 more"]`), "/ignition serves the raw Ignition: %d %s", code, body)
	code, body = get("/ignition?mac=52:54:00:a1:9c:ae&os=installed")
	check(code == 200 && strings.Contains(body, `"path":"/etc/hostname"`) && strings.Contains(body, "data:,node1.example"), "/ignition renders the Butane template with the group's metadata: %d %s", code, body)
	code, body = get("/generic?mac=52:54:00:a1:9c:ae")
	check(code == 200 && body == "HOSTNAME=node1.example\n", "/generic renders: %d %q", code, body)
	code, body = get("/metadata?mac=52:54:00:a1:9c:ae")
	check(code == 200 && strings.Contains(body, "HOSTNAME=node1.example\n"), "/metadata: %d %q", code, body)

	// Terraform's reads.
	gotProfile, err := profiles.ProfileGet(ctx(), &serverpb.ProfileGetRequest{Id: "worker"})
	must(err, "ProfileGet worker")
	check(gotProfile.Profile.Boot.Kernel == worker.Boot.Kernel && reflect.DeepEqual(gotProfile.Profile.Boot.Initrd, worker.Boot.Initrd) && reflect.DeepEqual(gotProfile.Profile.Boot.Args, worker.Boot.Args), "ProfileGet returns the boot section")
	gotIgnition, err := ignition.IgnitionGet(ctx(), &serverpb.IgnitionGetRequest{Name: gotProfile.Profile.IgnitionId})
	must(err, "IgnitionGet")
	check(string(gotIgnition.Config) == rawIgnition, "IgnitionGet returns the raw bytes")
	gotTemplate, err := ignition.IgnitionGet(ctx(), &serverpb.IgnitionGetRequest{Name: "installed.yaml.tmpl"})
	must(err, "IgnitionGet template")
	check(string(gotTemplate.Config) == butane, "IgnitionGet returns the template unrendered")
	gotGeneric, err := generic.GenericGet(ctx(), &serverpb.GenericGetRequest{Name: "worker"})
	must(err, "GenericGet")
	check(string(gotGeneric.Config) == "HOSTNAME={{.hostname}}\n", "GenericGet returns the template unrendered")
	gotGroup, err := groups.GroupGet(ctx(), &serverpb.GroupGetRequest{Id: "node1-installed"})
	must(err, "GroupGet")
	var metadata map[string]string
	must(json.Unmarshal(gotGroup.Group.Metadata, &metadata), "GroupGet metadata as map[string]string")
	check(metadata["hostname"] == "node1.example" && gotGroup.Group.Selector["mac"] == "52:54:00:a1:9c:ae" && gotGroup.Group.Profile == "installed", "GroupGet: metadata decodes as strings, MAC normalised on read: %v", gotGroup.Group)
	gotNode, err := groups.GroupGet(ctx(), &serverpb.GroupGetRequest{Id: "node1"})
	must(err, "GroupGet node1")
	var roundTrip map[string]interface{}
	must(json.Unmarshal(gotNode.Group.Metadata, &roundTrip), "metadata")
	compact, _ := json.Marshal(roundTrip)
	check(string(gotNode.Group.Metadata) == strings.ReplaceAll(strings.ReplaceAll(string(compact), `\u0008`, `\b`), `\u000c`, `\f`), "GroupGet metadata is Go's compact json.Marshal: %s", gotNode.Group.Metadata)

	// Select, with the HTTP side's precedence.
	selected, err := sel.SelectGroup(ctx(), &serverpb.SelectGroupRequest{Labels: map[string]string{"mac": "52:54:00:a1:9c:ae", "os": "installed"}})
	must(err, "SelectGroup")
	check(selected.Group.Id == "node1-installed", "SelectGroup prefers the group with more selectors")
	selectedProfile, err := sel.SelectProfile(ctx(), &serverpb.SelectProfileRequest{Labels: map[string]string{"mac": "52:54:00:a1:9c:ae"}})
	must(err, "SelectProfile")
	check(selectedProfile.Profile.Id == "worker", "SelectProfile")
	_, err = sel.SelectGroup(ctx(), &serverpb.SelectGroupRequest{Labels: map[string]string{"mac": "52:54:00:00:00:01"}})
	c, m := grpcStatus(err)
	check(c == codes.NotFound && m == "matchbox: No matching Group", "no match: NotFound %q (%v)", m, c)
	_, err = groups.GroupPut(ctx(), &serverpb.GroupPutRequest{Group: &storagepb.Group{}})
	c, m = grpcStatus(err)
	check(c == codes.Unknown && m == "Id is required", "GroupPut without id: Unknown %q (%v)", m, c)
	_, err = groups.GroupPut(ctx(), &serverpb.GroupPutRequest{Group: &storagepb.Group{Id: "x"}})
	c, m = grpcStatus(err)
	check(c == codes.Unknown && m == "Group requires a Profile", "GroupPut without profile: Unknown %q", m)

	bootcmd(groups, profiles, ignition)

	// terraform destroy: delete + the files; a second delete fails.
	for _, id := range []string{"node1", "node1-installed", "bootcmd-node"} {
		_, err = groups.GroupDelete(ctx(), &serverpb.GroupDeleteRequest{Id: id})
		must(err, "GroupDelete "+id)
	}
	for _, id := range []string{"worker", "installed", "bootcmd-profile"} {
		_, err = profiles.ProfileDelete(ctx(), &serverpb.ProfileDeleteRequest{Id: id})
		must(err, "ProfileDelete "+id)
	}
	for _, name := range []string{"worker.ign", "installed.yaml.tmpl", "bootcmd.ign"} {
		_, err = ignition.IgnitionDelete(ctx(), &serverpb.IgnitionDeleteRequest{Name: name})
		must(err, "IgnitionDelete "+name)
	}
	_, err = generic.GenericDelete(ctx(), &serverpb.GenericDeleteRequest{Name: "worker"})
	must(err, "GenericDelete")
	_, err = ignition.IgnitionDelete(ctx(), &serverpb.IgnitionDeleteRequest{Name: "worker.ign"})
	check(err != nil, "a second IgnitionDelete of the same file fails")
	_, err = profiles.ProfileGet(ctx(), &serverpb.ProfileGetRequest{Id: "worker"})
	check(err != nil, "ProfileGet after delete fails (Terraform: resource gone)")
	code, _ = get("/ipxe?mac=52:54:00:a1:9c:ae")
	check(code == 404, "/ipxe answers 404 after the delete: %d", code)
	for _, folder := range []string{"groups", "profiles", "ignition", "generic"} {
		entries, err := os.ReadDir(filepath.Join(*dataDir, folder))
		must(err, folder)
		check(len(entries) == 0, "%s/ is empty again (no temporary file left): %v", folder, entries)
	}

	refusals(ca, clientCert, conn)
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

// bootcmd's create commands: it parses files locally (ParseGroup normalises
// MACs, ParseProfile is plain JSON) and names Ignition files by base name.
func bootcmd(groups rpcpb.GroupsClient, profiles rpcpb.ProfilesClient, ignition rpcpb.IgnitionClient) {
	groupFile := filepath.Join(*scratch, "bootcmd-node.json")
	must(os.WriteFile(groupFile, []byte(`{"id":"bootcmd-node","name":"From bootcmd","profile":"bootcmd-profile","selector":{"MAC":"52-54-00-0A-0B-0C","region":"lab"},"metadata":{"pxe":true,"count":1000000,"list":[1,"two"]}}`), 0o644), "write")
	data, err := os.ReadFile(groupFile)
	must(err, "read")
	rich := new(RichGroup)
	must(json.Unmarshal(data, rich), "parse group")
	group := rich.toGroup()
	for key, value := range group.Selector {
		if strings.ToLower(key) == "mac" {
			mac, err := net.ParseMAC(value)
			must(err, "mac")
			group.Selector[key] = mac.String()
		}
	}
	_, err = groups.GroupPut(ctx(), &serverpb.GroupPutRequest{Group: group})
	must(err, "bootcmd group create")
	check(readData("groups/bootcmd-node.json") == expectedGroupFile(group), "bootcmd's group file is Go's MarshalIndent:\n%s", readData("groups/bootcmd-node.json"))

	profile := new(storagepb.Profile)
	must(json.Unmarshal([]byte(`{"id":"bootcmd-profile","name":"Profile from bootcmd","ignition_id":"bootcmd.ign","cloud_id":"c.yaml","boot":{"kernel":"/k","initrd":["/i"],"args":["a=<b>"]},"generic_id":"g"}`), profile), "parse profile")
	_, err = profiles.ProfilePut(ctx(), &serverpb.ProfilePutRequest{Profile: profile})
	must(err, "bootcmd profile create")
	check(readData("profiles/bootcmd-profile.json") == goJSON(profile), "bootcmd's profile file is Go's MarshalIndent:\n%s", readData("profiles/bootcmd-profile.json"))

	ignitionFile := filepath.Join(*scratch, "bootcmd.ign")
	must(os.WriteFile(ignitionFile, []byte(`{"ignition":{"version":"3.4.0"}}`), 0o644), "write")
	config, err := os.ReadFile(ignitionFile)
	must(err, "read")
	_, err = ignition.IgnitionPut(ctx(), &serverpb.IgnitionPutRequest{Name: filepath.Base(ignitionFile), Config: config})
	must(err, "bootcmd ignition create")

	// bootcmd group list / describe.
	list, err := groups.GroupList(ctx(), &serverpb.GroupListRequest{})
	must(err, "GroupList")
	var ids []string
	for _, g := range list.Groups {
		ids = append(ids, g.Id)
	}
	// File order: "node1-installed.json" sorts before "node1.json".
	check(reflect.DeepEqual(ids, []string{"bootcmd-node", "node1-installed", "node1"}), "GroupList lists the groups in file-name order: %v", ids)
	described, err := groups.GroupGet(ctx(), &serverpb.GroupGetRequest{Id: "bootcmd-node"})
	must(err, "describe")
	check(described.Group.Name == "From bootcmd" && described.Group.Selector["MAC"] == "52:54:00:0a:0b:0c" && string(described.Group.Metadata) == `{"count":1000000,"list":[1,"two"],"pxe":true}`, "describe: %v %s", described.Group.Selector, described.Group.Metadata)
	// Selector keys are exact: the group's "MAC" selector needs a MAC label (normalised like mac).
	code, body := get("/metadata?MAC=52-54-00-0A-0B-0C&region=lab")
	check(code == 200 && strings.Contains(body, "COUNT=1e+06\n"), "/metadata for bootcmd's group: %d %q", code, body)
	plist, err := profiles.ProfileList(ctx(), &serverpb.ProfileListRequest{})
	must(err, "ProfileList")
	check(len(plist.Profiles) == 3, "ProfileList: %d profiles", len(plist.Profiles))
}

// alpn: current grpc-go clients require the server to negotiate h2.
func alpn() {
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(filepath.Join(*pkiDir, "ca.crt"))
	pool.AppendCertsFromPEM(ca)
	cert, err := tls.LoadX509KeyPair(filepath.Join(*pkiDir, "client.crt"), filepath.Join(*pkiDir, "client.key"))
	must(err, "client certificate")
	host, _, _ := net.SplitHostPort(*endpoint)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", *endpoint, &tls.Config{ServerName: host, RootCAs: pool, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12})
	must(err, "TLS handshake")
	state := conn.ConnectionState()
	check(state.NegotiatedProtocol == "h2", "ALPN negotiates h2 (%q)", state.NegotiatedProtocol)
	conn.Close()
	conn, err = tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", *endpoint, &tls.Config{ServerName: host, RootCAs: pool, Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}, MaxVersion: tls.VersionTLS12})
	must(err, "TLS 1.2 handshake")
	suite := tls.CipherSuiteName(conn.ConnectionState().CipherSuite)
	check(strings.HasPrefix(suite, "TLS_ECDHE_") && (strings.HasSuffix(suite, "_GCM_SHA256") || strings.HasSuffix(suite, "_GCM_SHA384")), "TLS 1.2 suite is ECDHE with AES-GCM (%s)", suite)
	conn.Close()
}

// refusals: connections the server must refuse, each followed by a call that still works.
func refusals(ca []byte, good tls.Certificate, conn *grpc.ClientConn) {
	caKeyPEM, err := os.ReadFile(filepath.Join(*pkiDir, "ca.key"))
	must(err, "ca.key")
	block, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	must(err, "ca.key")
	caBlock, _ := pem.Decode(ca)
	caCert, err := x509.ParseCertificate(caBlock.Bytes)
	must(err, "ca.crt")
	expired := clientCertificate(caCert, caKey, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err, "key")
	otherCA := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "another CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	otherDER, err := x509.CreateCertificate(rand.Reader, otherCA, otherCA, &otherKey.PublicKey, otherKey)
	must(err, "another CA")
	otherParsed, _ := x509.ParseCertificate(otherDER)
	stranger := clientCertificate(otherParsed, otherKey, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))

	for _, c := range []struct {
		name string
		cert []tls.Certificate
	}{{"no client certificate", nil}, {"a certificate from another CA", []tls.Certificate{stranger}}, {"an expired certificate", []tls.Certificate{expired}}} {
		cfg := tlsConfig(ca, good)
		cfg.Certificates = c.cert
		bad, err := dial(cfg, false)
		must(err, "dial")
		call, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = rpcpb.NewGroupsClient(bad).GroupList(call, &serverpb.GroupListRequest{})
		cancel()
		bad.Close()
		check(err != nil, "%s is refused (%v)", c.name, err)
		_, err = rpcpb.NewGroupsClient(conn).GroupList(ctx(), &serverpb.GroupListRequest{})
		check(err == nil, "the server keeps serving after refusing %s", c.name)
	}
}

func clientCertificate(issuer *x509.Certificate, issuerKey interface{}, notBefore, notAfter time.Time) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err, "key")
	template := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "go client"}, NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, template, issuer, &key.PublicKey, issuerKey)
	must(err, "client certificate")
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
