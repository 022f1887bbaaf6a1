package git

import (
	"reflect"
	"strconv"
	"testing"
)

func TestParseBatch(t *testing.T) {
	tag := "object " + oidA + "\ntype commit\ntag v\ntagger x <x> 1 +0000\n\nv\n\nr1  " + oidA + "\n"
	out := []byte(oidB + " tag " + strconv.Itoa(len(tag)) + "\n" + tag + "\n" +
		"refs/tags/v^{tree} missing\n" +
		oidA + " blob 0\n\n")
	revs := []string{"refs/tags/v", "refs/tags/v^{tree}", "x"}
	got, err := ParseBatch(out, revs)
	if err != nil {
		t.Fatal(err)
	}
	want := []BatchObject{
		{Object{Rev: revs[0], Oid: oidB, Type: "tag"}, []byte(tag)},
		{Object{Rev: revs[1], Missing: true}, nil},
		{Object{Rev: revs[2], Oid: oidA, Type: "blob"}, []byte{}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{
		oidA + " blob 5\nabc\n",     // short contents
		oidA + " blob 2\nabc\n",     // no newline after the contents
		oidA + " blob x\n\n",        // size not a number
		"zz blob 0\n\n",             // not an oid
		oidA + " blob 0\n\nextra\n", // more answers than asked
		"",                          // fewer
	} {
		if _, err := ParseBatch([]byte(bad), []string{"x"}); err == nil {
			t.Errorf("ParseBatch(%q) accepted", bad)
		}
	}
}
