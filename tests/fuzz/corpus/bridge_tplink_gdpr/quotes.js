var nn = 'ab12' ;var ee= '3'; var seq = 42;
