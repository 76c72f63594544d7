// Command re2oracle produces the expected answers in
// core/src/test/resources/dev/hypnos/core/labels/re2-oracle.jsonl from Go's own regexp package,
// compiling each expression the way Prometheus 3 does for label matchers: parsed with the Perl
// and DotNL flags, then fully anchored. Input: re2-cases.json ({"regexes": [...], "inputs": [...]}).
// Output: one JSON object per regex: {"re": ..., "error": ...} or {"re": ..., "matches": [bool...]}.
//
// Run from this directory (any Go toolchain; Debian's golang-go 1.19 was used):
//
//	GO111MODULE=off go run main.go < ../../resources/dev/hypnos/core/labels/re2-cases.json \
//	    > ../../resources/dev/hypnos/core/labels/re2-oracle.jsonl
//
// Go's standard regexp stands in for the grafana/regexp fork that Prometheus uses: both share
// the syntax package's parser (the fork, like Go before 1.22, rejects (?<name>...)).
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"regexp"
	"regexp/syntax"
)

type cases struct {
	Regexes []string `json:"regexes"`
	Inputs  []string `json:"inputs"`
}

type result struct {
	Re      string `json:"re"`
	Error   string `json:"error,omitempty"`
	Matches []bool `json:"matches,omitempty"`
}

func main() {
	var c cases
	if err := json.NewDecoder(os.Stdin).Decode(&c); err != nil {
		panic(err)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, re := range c.Regexes {
		r := result{Re: re}
		parsed, err := syntax.Parse(re, syntax.Perl|syntax.DotNL)
		var compiled *regexp.Regexp
		if err == nil {
			compiled, err = regexp.Compile("^(?s:" + parsed.String() + ")$")
		}
		if err != nil {
			r.Error = err.Error()
		} else {
			r.Matches = make([]bool, len(c.Inputs))
			for i, in := range c.Inputs {
				r.Matches[i] = compiled.MatchString(in)
			}
		}
		if err := enc.Encode(r); err != nil {
			panic(err)
		}
	}
}
