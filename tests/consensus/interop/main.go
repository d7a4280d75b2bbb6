// go_cid: the CIDv1 of each file named on the command line, computed by the
// libraries kubo itself uses for `ipfs add --cid-version 1 --raw-leaves`
// (boxo's balanced importer and size chunker, go-cid), one per line. It shares
// no code with storemesh's C++ implementation: tests/consensus/cid_interop.sh
// compares the two.
//
// The parameters are kubo's defaults for `ipfs add --cid-version 1`:
// chunker size-262144, 174 links per node, raw leaves, sha2-256, dag-pb
// (CIDv1) for inner nodes, balanced layout, no file attributes (mode/mtime).
package main

import (
	"fmt"
	"os"

	chunker "github.com/ipfs/boxo/chunker"
	dstest "github.com/ipfs/boxo/ipld/merkledag/test"
	"github.com/ipfs/boxo/ipld/unixfs/importer/balanced"
	h "github.com/ipfs/boxo/ipld/unixfs/importer/helpers"
	cid "github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
)

func fileCid(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	params := h.DagBuilderParams{
		Dagserv:    dstest.Mock(),
		Maxlinks:   h.DefaultLinksPerBlock, // 174
		RawLeaves:  true,
		CidBuilder: cid.V1Builder{Codec: cid.DagProtobuf, MhType: mh.SHA2_256},
	}
	db, err := params.New(chunker.NewSizeSplitter(f, chunker.DefaultBlockSize)) // 262144
	if err != nil {
		return "", err
	}
	root, err := balanced.Layout(db)
	if err != nil {
		return "", err
	}
	return root.Cid().String(), nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go_cid FILE...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		c, err := fileCid(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "go_cid: %s: %v\n", path, err)
			os.Exit(1)
		}
		fmt.Println(c)
	}
}
