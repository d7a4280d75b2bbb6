// An independent tunnel peer: github.com/flynn/noise (Debian's
// golang-github-flynn-noise-dev), written from services/tunnels/noise/WIRE.md
// alone. It shares no code with storemesh.
//
//	go_peer listen  -key PRIV -allow PUB -cluster C -messages N
//	go_peer connect -port P -key PRIV -allow PUB -cluster C -messages N
//
// listen: accepts one tunnel and echoes every data message back as
// "echo:" + message, until the peer's close message.
// connect: sends N messages (some larger than one Noise message, so they go
// as fragments), expects each echoed back, then closes with reason "done".
// Both rekey their sending direction every 16 messages. Both print
// "peer <hex>", "hash <hex>", "rekeys sent S received R" and "closed <reason>".
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/flynn/noise"
	"golang.org/x/crypto/curve25519"
)

const (
	typeDataLast = 0x01
	typeDataMore = 0x02
	typeRekey    = 0x03
	typeClose    = 0x04
	maxFragment  = 65535 - 16 - 1
	rekeyEvery   = 16
)

type tunnel struct {
	conn         net.Conn
	send, recv   *noise.CipherState
	sentSinceKey int
	rekeysSent   int
	rekeysRecv   int
}

func readFrame(r io.Reader) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	_, err := io.ReadFull(r, buf)
	return buf, err
}

func writeFrame(w io.Writer, msg []byte) error {
	out := make([]byte, 2, 2+len(msg))
	binary.BigEndian.PutUint16(out, uint16(len(msg)))
	_, err := w.Write(append(out, msg...))
	return err
}

func (t *tunnel) sealOne(typ byte, body []byte) error {
	ct, err := t.send.Encrypt(nil, nil, append([]byte{typ}, body...))
	if err != nil {
		return err
	}
	t.sentSinceKey++
	return writeFrame(t.conn, ct)
}

func (t *tunnel) sendMessage(msg []byte) error {
	for first := true; first || len(msg) > 0; first = false {
		if t.sentSinceKey >= rekeyEvery {
			if err := t.sealOne(typeRekey, nil); err != nil {
				return err
			}
			t.send.Rekey()
			t.sentSinceKey = 0
			t.rekeysSent++
		}
		n := len(msg)
		typ := byte(typeDataLast)
		if n > maxFragment {
			n, typ = maxFragment, typeDataMore
		}
		if err := t.sealOne(typ, msg[:n]); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return nil
}

// receive returns the next whole data message, or the close reason.
func (t *tunnel) receive() (data []byte, closed *string, err error) {
	var partial []byte
	for {
		frame, err := readFrame(t.conn)
		if err != nil {
			return nil, nil, err
		}
		pt, err := t.recv.Decrypt(nil, nil, frame)
		if err != nil {
			return nil, nil, err
		}
		if len(pt) == 0 {
			return nil, nil, errors.New("empty transport message")
		}
		switch pt[0] {
		case typeDataMore:
			partial = append(partial, pt[1:]...)
		case typeDataLast:
			return append(partial, pt[1:]...), nil, nil
		case typeRekey:
			t.recv.Rekey()
			t.rekeysRecv++
		case typeClose:
			reason := string(pt[1:])
			return nil, &reason, nil
		default:
			return nil, nil, fmt.Errorf("unknown message type %d", pt[0])
		}
	}
}

func handshake(conn net.Conn, initiator bool, key []byte, allow []byte, cluster string) (*tunnel, error) {
	pub, err := curve25519.X25519(key, curve25519.Basepoint)
	if err != nil {
		return nil, err
	}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashBLAKE2b),
		Random:        rand.Reader,
		Pattern:       noise.HandshakeXX,
		Initiator:     initiator,
		Prologue:      append([]byte("storemesh-tunnel/1\x00"), cluster...),
		StaticKeypair: noise.DHKey{Private: key, Public: pub},
	})
	if err != nil {
		return nil, err
	}
	var cs1, cs2 *noise.CipherState
	write := initiator
	for cs1 == nil {
		if write {
			var msg []byte
			msg, cs1, cs2, err = hs.WriteMessage(nil, nil)
			if err == nil {
				err = writeFrame(conn, msg)
			}
		} else {
			var frame []byte
			if frame, err = readFrame(conn); err == nil {
				_, cs1, cs2, err = hs.ReadMessage(nil, frame)
			}
			// The allow-list: checked as soon as the peer's static key is known.
			if err == nil && hs.PeerStatic() != nil && !bytes.Equal(hs.PeerStatic(), allow) {
				return nil, fmt.Errorf("peer key %x not allowed", hs.PeerStatic())
			}
		}
		if err != nil {
			return nil, err
		}
		write = !write
	}
	fmt.Printf("peer %x\nhash %x\n", hs.PeerStatic(), hs.ChannelBinding())
	t := &tunnel{conn: conn, send: cs1, recv: cs2}
	if !initiator {
		t.send, t.recv = cs2, cs1
	}
	return t, nil
}

func message(i int) []byte {
	size := 10 + i
	if i%25 == 7 {
		size = 100000 + i // fragments
	}
	m := make([]byte, size)
	for j := range m {
		m[j] = byte(i + j)
	}
	return m
}

func run() error {
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	port := fs.Int("port", 0, "port to connect to")
	keyHex := fs.String("key", "", "our X25519 private key, hex")
	allowHex := fs.String("allow", "", "the one peer public key we accept, hex")
	cluster := fs.String("cluster", "", "cluster name")
	n := fs.Int("messages", 100, "messages to send (connect)")
	fs.Parse(os.Args[2:])
	key, err1 := hex.DecodeString(*keyHex)
	allow, err2 := hex.DecodeString(*allowHex)
	if err1 != nil || err2 != nil || len(key) != 32 || len(allow) != 32 {
		return errors.New("bad -key or -allow")
	}
	var t *tunnel
	var err error
	switch os.Args[1] {
	case "listen":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		fmt.Printf("port %d\n", l.Addr().(*net.TCPAddr).Port)
		conn, err := l.Accept()
		if err != nil {
			return err
		}
		if t, err = handshake(conn, false, key, allow, *cluster); err != nil {
			return err
		}
		for {
			data, closed, err := t.receive()
			if err != nil {
				return err
			}
			if closed != nil {
				fmt.Printf("rekeys sent %d received %d\nclosed %s\n", t.rekeysSent, t.rekeysRecv, *closed)
				return nil
			}
			if err := t.sendMessage(append([]byte("echo:"), data...)); err != nil {
				return err
			}
		}
	case "connect":
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
		if err != nil {
			return err
		}
		if t, err = handshake(conn, true, key, allow, *cluster); err != nil {
			return err
		}
		for i := 0; i < *n; i++ {
			if err := t.sendMessage(message(i)); err != nil {
				return err
			}
			data, closed, err := t.receive()
			if err != nil {
				return err
			}
			if closed != nil || !bytes.Equal(data, append([]byte("echo:"), message(i)...)) {
				return fmt.Errorf("echo %d wrong", i)
			}
		}
		if err := t.sealOne(typeClose, []byte("done")); err != nil {
			return err
		}
		fmt.Printf("rekeys sent %d received %d\nclosed done\n", t.rekeysSent, t.rekeysRecv)
		return nil
	}
	return err
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go_peer listen|connect ...")
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "go_peer:", err)
		os.Exit(1)
	}
}
