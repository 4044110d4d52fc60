package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"time"

	"github.com/luabot/luabot/testkit"
)

// junitReport collects `luabot test` results into a JUnit XML file, the
// format CI systems (GitHub Actions reporters, GitLab, Jenkins) read: one
// testsuite per test file.
type junitReport struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
	elapsed  time.Duration
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func (j *junitReport) add(r testkit.Result) {
	if n := len(j.Suites); n == 0 || j.Suites[n-1].Name != r.File {
		j.Suites = append(j.Suites, junitSuite{Name: r.File})
	}
	s := &j.Suites[len(j.Suites)-1]
	c := junitCase{Name: r.Name, Classname: r.File, Time: seconds(r.Elapsed)}
	if r.Err != nil {
		c.Failure = &junitFailure{Message: r.String(), Text: r.Err.Error()}
		s.Failures++
	}
	s.Tests++
	s.elapsed += r.Elapsed
	s.Time = seconds(s.elapsed)
	s.Cases = append(s.Cases, c)
}

// write saves the report to path.
func (j *junitReport) write(path string) error {
	b, err := xml.MarshalIndent(j, "", "  ")
	if err != nil {
		return err
	}
	b = append([]byte(xml.Header), append(b, '\n')...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	return nil
}
