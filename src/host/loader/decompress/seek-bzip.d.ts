// seek-bzip ships no types; this declares the one entry point we use.
declare module 'seek-bzip' {
  interface ByteInput {
    readByte(): number;
    read(buffer: Uint8Array, offset: number, length: number): number;
    seek(pos: number): void;
    eof(): boolean;
  }
  interface ByteOutput {
    writeByte(byte: number): void;
  }
  const Bunzip: {
    decode(input: ByteInput | Uint8Array, output: ByteOutput | Uint8Array | number, multistream?: boolean): Uint8Array | undefined;
  };
  export default Bunzip;
}
