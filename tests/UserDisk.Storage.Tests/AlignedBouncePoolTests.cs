namespace UserDisk.Storage.Tests;

public sealed unsafe class AlignedBouncePoolTests
{
    [Fact]
    public void Rented_buffers_are_on_the_boundary_and_writable_to_the_end()
    {
        using var pool = new AlignedBouncePool(64 * 1024, 4096, slots: 2);
        byte* first = pool.Rent();
        byte* second = pool.Rent();

        Assert.Equal(0u, (nuint)first % 4096);
        Assert.Equal(0u, (nuint)second % 4096);
        Assert.NotEqual((nuint)first, (nuint)second);
        new Span<byte>(first, pool.BufferSize).Fill(1);
        new Span<byte>(second, pool.BufferSize).Fill(2);
        Assert.False(new Span<byte>(first, pool.BufferSize).ContainsAnyExcept((byte)1));

        pool.Return(first);
        pool.Return(second);
    }

    [Fact]
    public void A_returned_buffer_is_rented_again_instead_of_allocating_another()
    {
        using var pool = new AlignedBouncePool(4096, 4096, slots: 2);
        byte* buffer = pool.Rent();
        pool.Return(buffer);

        byte* again = pool.Rent();

        Assert.Equal((nuint)buffer, (nuint)again);
        Assert.Equal(0, pool.Pooled);
        pool.Return(again);
        Assert.Equal(1, pool.Pooled);
    }

    [Fact]
    public void Buffers_returned_beyond_the_slots_are_freed_not_kept()
    {
        using var pool = new AlignedBouncePool(4096, 4096, slots: 2);
        byte* a = pool.Rent();
        byte* b = pool.Rent();
        byte* c = pool.Rent();

        pool.Return(a);
        pool.Return(b);
        pool.Return(c);

        Assert.Equal(2, pool.Pooled);
    }

    [Fact]
    public void Dispose_frees_the_pooled_buffers_and_a_buffer_in_use_is_freed_when_it_comes_back()
    {
        var pool = new AlignedBouncePool(4096, 4096, slots: 4);
        byte* pooled = pool.Rent();
        byte* inUse = pool.Rent();
        pool.Return(pooled);
        Assert.Equal(1, pool.Pooled);

        pool.Dispose();
        Assert.Equal(0, pool.Pooled);

        // Still the renter's after Dispose: an I/O in flight keeps using it, then gives it back.
        new Span<byte>(inUse, pool.BufferSize).Fill(7);
        pool.Return(inUse);
        Assert.Equal(0, pool.Pooled);
        pool.Dispose();
    }

    [Fact]
    public void Dispose_racing_renters_leaves_no_buffer_behind()
    {
        for (int round = 0; round < 20; round++)
        {
            var pool = new AlignedBouncePool(4096, 4096, slots: 2);
            using var started = new CountdownEvent(4);
            int shared = 0;
            var threads = new Thread[4];
            for (int t = 0; t < threads.Length; t++)
            {
                byte marker = (byte)(t + 1);
                threads[t] = new Thread(() =>
                {
                    started.Signal();
                    for (int i = 0; i < 20_000; i++)
                    {
                        byte* buffer = pool.Rent();
                        buffer[0] = marker;
                        Thread.SpinWait(10);
                        if (buffer[0] != marker)
                        {
                            // Rented to two threads at once.
                            Interlocked.Increment(ref shared);
                        }

                        pool.Return(buffer);
                    }
                });
                threads[t].Start();
            }

            started.Wait(TestContext.Current.CancellationToken);
            pool.Dispose();
            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            // Every buffer returned after Dispose swept the slots must have been freed, not left in a slot.
            Assert.Equal(0, pool.Pooled);
            Assert.Equal(0, shared);
        }
    }

    [Theory]
    [InlineData(0, 4096, 1)]
    [InlineData(4096, 3000, 1)]
    [InlineData(4096, 4096, 0)]
    public void Bad_arguments_are_refused(int bufferSize, int alignment, int slots)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBouncePool(bufferSize, alignment, slots));
    }
}
