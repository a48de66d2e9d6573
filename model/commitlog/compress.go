package commitlog

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// maxDecompressed bounds the records section of one batch after
// decompression, so that a hostile batch cannot exhaust memory.
const maxDecompressed = 64 << 20

var (
	gzipWriters = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression); return w }}
	gzipReaders sync.Pool
	lz4Writers  = sync.Pool{New: func() any { return lz4.NewWriter(nil) }}
	lz4Readers  = sync.Pool{New: func() any { return lz4.NewReader(nil) }}

	// The zstd encoder and decoder are safe for concurrent EncodeAll and
	// DecodeAll and keep their own pools of internal state, so one of each
	// serves the whole process.
	zstdOnce sync.Once
	zstdEnc  *zstd.Encoder
	zstdDec  *zstd.Decoder
	zstdErr  error
)

func zstdCodec() (*zstd.Encoder, *zstd.Decoder, error) {
	zstdOnce.Do(func() {
		zstdEnc, zstdErr = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(2))
		if zstdErr != nil {
			return
		}
		zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(2), zstd.WithDecoderMaxMemory(maxDecompressed), zstd.WithDecoderLowmem(true))
	})
	return zstdEnc, zstdDec, zstdErr
}

// appendWriter appends to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// streamWriter is a pooled, resettable compressing writer (gzip, lz4).
type streamWriter interface {
	Reset(io.Writer)
	io.WriteCloser
}

// streamCompress appends src compressed by w to dst.
func streamCompress(dst []byte, w streamWriter, src []byte) ([]byte, error) {
	aw := &appendWriter{b: dst}
	w.Reset(aw)
	if _, err := w.Write(src); err != nil {
		return dst, err
	}
	if err := w.Close(); err != nil {
		return dst, err
	}
	return aw.b, nil
}

// compress appends src compressed with c to dst.
func compress(dst []byte, c Compression, src []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		return append(dst, src...), nil
	case CompressionGzip:
		w := gzipWriters.Get().(*gzip.Writer)
		defer gzipWriters.Put(w)
		return streamCompress(dst, w, src)
	case CompressionSnappy:
		n := s2.MaxEncodedLen(len(src))
		if n < 0 {
			return dst, fmt.Errorf("snappy: input too large")
		}
		start := len(dst)
		dst = grow(dst, n)
		out := s2.EncodeSnappy(dst[start:start+n], src)
		return dst[:start+len(out)], nil
	case CompressionLZ4:
		w := lz4Writers.Get().(*lz4.Writer)
		defer lz4Writers.Put(w)
		return streamCompress(dst, w, src)
	case CompressionZstd:
		enc, _, err := zstdCodec()
		if err != nil {
			return dst, err
		}
		return enc.EncodeAll(src, dst), nil
	}
	return dst, fmt.Errorf("unknown compression codec %d", c)
}

// limitedAppend reads r to the end, appending to dst[:0], failing past
// maxDecompressed.
func limitedAppend(dst []byte, r io.Reader) ([]byte, error) {
	dst = dst[:0]
	for {
		if len(dst) == cap(dst) {
			if len(dst) > maxDecompressed {
				return dst, fmt.Errorf("decompressed records exceed %d bytes", maxDecompressed)
			}
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// decompress decodes src (compressed with c) into dst[:0].
func decompress(dst []byte, c Compression, src []byte) ([]byte, error) {
	switch c {
	case CompressionNone:
		return append(dst[:0], src...), nil
	case CompressionGzip:
		var r *gzip.Reader
		if v := gzipReaders.Get(); v != nil {
			r = v.(*gzip.Reader)
			if err := r.Reset(bytes.NewReader(src)); err != nil {
				gzipReaders.Put(r)
				return dst, err
			}
		} else {
			var err error
			if r, err = gzip.NewReader(bytes.NewReader(src)); err != nil {
				return dst, err
			}
		}
		defer gzipReaders.Put(r)
		return limitedAppend(dst, r)
	case CompressionSnappy:
		n, err := s2.DecodedLen(src)
		if err != nil {
			return dst, err
		}
		if n > maxDecompressed {
			return dst, fmt.Errorf("decompressed records exceed %d bytes", maxDecompressed)
		}
		dst = grow(dst[:0], n)
		out, err := s2.Decode(dst[:n], src)
		if err != nil {
			return dst[:0], err
		}
		return out, nil
	case CompressionLZ4:
		r := lz4Readers.Get().(*lz4.Reader)
		defer lz4Readers.Put(r)
		r.Reset(bytes.NewReader(src))
		return limitedAppend(dst, r)
	case CompressionZstd:
		_, dec, err := zstdCodec()
		if err != nil {
			return dst, err
		}
		return dec.DecodeAll(src, dst[:0])
	}
	return dst, fmt.Errorf("unknown compression codec %d", c)
}

// grow extends b's length by n, reallocating if needed.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*len(b)+n)
	copy(nb, b)
	return nb
}
